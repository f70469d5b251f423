import { timingSafeEqual } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { Keyring } from "@shop/messaging";
import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { listEmails } from "./emails";

const EmailsQuery = Type.Object({ orderId: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

export interface HttpDeps extends ServiceHttpDeps {
  /** Opens the stored, sealed addresses. */
  keyring: Keyring;
  /** The bearer token that sees addresses in full (EMAIL_ADMIN_TOKEN). */
  adminToken: string;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp(deps);

  // A query, not a resource: an order with no mail yet is an empty list, not a 404.
  // The address is masked (a***@example.com) unless the caller sends the admin token; an erased
  // customer's address reads "(erased)" for everyone (docs/decisions/014).
  app.get("/emails", { schema: { querystring: EmailsQuery } }, async (request) => {
    const full = isAdmin(request.headers.authorization, deps.adminToken);
    return listEmails(deps.pool, request.query.orderId, (sealed) => {
      const address = deps.keyring.open(sealed, "customerEmail");
      if (address === undefined) return "(erased)";
      return full ? address : masked(address);
    });
  });

  return app;
}

/** "Bearer <token>", compared in constant time (no timing hint about the token). */
function isAdmin(authorization: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** a***@example.com: enough to tell mails apart, not enough to write to anyone. */
export function masked(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 1 ? "***" : `${address[0]}***${address.slice(at)}`;
}
