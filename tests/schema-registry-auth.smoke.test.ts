/**
 * Outsiders cannot change the schema registry (docs/decisions/012-schema-registry-credentials.md):
 * without a credential every call is refused (401); the services' reader credential reads but
 * every write is refused (403); the admin credential, which only infra and tools hold, writes.
 * Raw HTTP against the real registry, so each answer is the registry's own.
 */
import { randomUUID } from "node:crypto";
import { basicAuthorization, type Credential } from "@shop/infra";
import { useEnvironment } from "@shop/testkit";

// The real schema registry: a few HTTP round trips per test.
jest.setTimeout(15_000);

const { url, auth: admin } = useEnvironment().schemaRegistryAdmin;
const { auth: reader } = useEnvironment().schemaRegistry;
const nobody = undefined;

const schema = (name: string) => JSON.stringify({ type: "record", name, namespace: "shop.auth", fields: [{ name: "id", type: "string" }] });

/** One call to the Confluent-compatible API as `who` (no Authorization header for nobody); its status and body. */
async function call(who: Credential | undefined, method: string, path: string, body?: object): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { "Content-Type": "application/vnd.schemaregistry.v1+json" };
  if (who) headers.Authorization = basicAuthorization(who);
  const response = await fetch(`${url}${path}`, { method, headers, body: body && JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

const setCompatibility = (who: Credential | undefined, subject: string, compatibility: string) =>
  call(who, "PUT", `/config/${subject}`, { compatibility });
const register = (who: Credential | undefined, subject: string, name = "Checked") =>
  call(who, "POST", `/subjects/${subject}/versions`, { schema: schema(name) });
const deleteSubject = (who: Credential | undefined, subject: string) => call(who, "DELETE", `/subjects/${subject}`);

/** A subject with one version and FULL_TRANSITIVE, set up by the admin. */
async function existingSubject(): Promise<string> {
  const subject = `auth-${randomUUID()}-shop.auth.Checked`;
  expect((await setCompatibility(admin, subject, "FULL_TRANSITIVE")).status).toBe(200);
  expect((await register(admin, subject)).status).toBe(200);
  return subject;
}

describe.each([
  ["without a credential", nobody, 401],
  ["with a wrong password", { ...admin, password: "guessed" }, 401],
  ["with the services' read-only credential", reader, 403],
] as const)("when a caller %s", (_, who, refusal) => {
  test(`then a compatibility change to NONE is refused (${refusal}) and the level stays`, async () => {
    const subject = await existingSubject();

    expect((await setCompatibility(who, subject, "NONE")).status).toBe(refusal);
    expect((await call(who, "PUT", "/config", { compatibility: "NONE" })).status).toBe(refusal); // nor the global default
    expect(JSON.parse((await call(admin, "GET", `/config/${subject}`)).text)).toMatchObject({ compatibilityLevel: "FULL_TRANSITIVE" });
  });

  test(`then registering a schema is refused (${refusal}), also one the registry had refused as incompatible`, async () => {
    const subject = await existingSubject();
    const incompatible = JSON.stringify({ type: "record", name: "Checked", namespace: "shop.auth", fields: [{ name: "other", type: "long" }] });
    expect((await call(admin, "POST", `/subjects/${subject}/versions`, { schema: incompatible })).status).toBe(409);

    expect((await register(who, `auth-${randomUUID()}-shop.auth.New`, "New")).status).toBe(refusal);
    expect((await call(who, "POST", `/subjects/${subject}/versions`, { schema: incompatible })).status).toBe(refusal);
    expect(JSON.parse((await call(admin, "GET", `/subjects/${subject}/versions`)).text)).toEqual([1]);
  });

  test(`then deleting a subject is refused (${refusal}) and the subject stays`, async () => {
    const subject = await existingSubject();

    expect((await deleteSubject(who, subject)).status).toBe(refusal);
    expect((await call(who, "DELETE", `/subjects/${subject}/versions/1`)).status).toBe(refusal);
    expect(JSON.parse((await call(admin, "GET", "/subjects")).text)).toContain(subject);
  });

  test(`then switching the registry to another mode is refused (${refusal})`, async () => {
    expect((await call(who, "PUT", "/mode", { mode: "IMPORT" })).status).toBe(refusal);
  });
});

test("when a caller has no credential, then even reads are refused (401): the services read with their own", async () => {
  const subject = await existingSubject();

  expect((await call(nobody, "GET", "/subjects")).status).toBe(401);
  expect((await call(nobody, "GET", `/subjects/${subject}/versions/1`)).status).toBe(401);
});

test("when a service reads with the reader credential, then it lists subjects, looks a schema up and fetches it by id", async () => {
  const subject = await existingSubject();

  const lookup = await call(reader, "POST", `/subjects/${subject}`, { schema: schema("Checked") });
  expect(lookup.status).toBe(200);
  const { id } = JSON.parse(lookup.text) as { id: number };
  expect((await call(reader, "GET", `/schemas/ids/${id}`)).status).toBe(200);
  expect(JSON.parse((await call(reader, "GET", "/subjects")).text)).toContain(subject);
  expect((await call(reader, "GET", `/config/${subject}`)).status).toBe(200);
});

test("when the admin changes compatibility, registers and deletes, then each works", async () => {
  const subject = `auth-${randomUUID()}-shop.auth.Checked`;

  expect((await setCompatibility(admin, subject, "BACKWARD")).status).toBe(200);
  expect((await register(admin, subject)).status).toBe(200);
  expect((await setCompatibility(admin, subject, "FULL_TRANSITIVE")).status).toBe(200);
  expect((await deleteSubject(admin, subject)).status).toBe(200);
  expect(JSON.parse((await call(admin, "GET", "/subjects")).text)).not.toContain(subject);
});

test("when a caller without a credential tries Apicurio's admin API, then it cannot change the registry's settings (401)", async () => {
  // Apicurio's dynamic settings (read-only mode, anonymous reads) change at run time through its
  // admin API; without authentication anyone could switch them (decision 012 shows it).
  const coreApi = url.replace(/\/apis\/ccompat\/v7$/, "/apis/registry/v3");
  const response = await fetch(`${coreApi}/admin/config/properties/apicurio.auth.anonymous-read-access.enabled`, {
    method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: "true" }),
  });

  expect(response.status).toBe(401);
});
