import { personalDataKekConfig, serviceConfig } from "@shop/service-kit";

export const { load: loadConfig } = serviceConfig(3005, {
  ...personalDataKekConfig("address"), // shipping addresses only (decision 014)
});
