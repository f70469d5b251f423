import { serviceConfig } from "@shop/service-kit";

/** Payment reads what every service reads, and nothing of its own (.env.example). */
export const { load: loadConfig } = serviceConfig(3003);
