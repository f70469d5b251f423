/**
 * The secrets of personal data (docs/decisions/014): one key-encryption key (KEK) per category
 * of personal data, and the token that lets a caller of email's GET /emails see addresses
 * unmasked. Random per environment, made on first use and kept beside the Kafka credentials in a
 * file only its owner can read. Each service gets only what it needs (personalDataEnv): order
 * every KEK (it issues the data keys), email the contact KEK and the token, warehouse the
 * address KEK, the others nothing.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { personalDataCategories, personalDataReaders, type PersonalDataCategory, type Service } from "@shop/contracts";

export interface PersonalDataSecrets {
  keks: Record<PersonalDataCategory, string>;
  emailAdminToken: string;
}

/** 32 random bytes as hex: a KEK (AES-256) or a token; no character needs quoting anywhere. */
export const newSecret = () => randomBytes(32).toString("hex");

export function newPersonalDataSecrets(): PersonalDataSecrets {
  return {
    keks: Object.fromEntries(personalDataCategories.map((category) => [category, newSecret()])) as Record<PersonalDataCategory, string>,
    emailAdminToken: newSecret(),
  };
}

const fileIn = (kafkaDataDir: string) => path.join(kafkaDataDir, "personal-data-secrets.json");

/** Reads the environment's secrets, making them the first time (0600, and `wx`: two processes racing keep the first). */
export function ensurePersonalDataSecrets(kafkaDataDir: string): PersonalDataSecrets {
  fs.mkdirSync(kafkaDataDir, { recursive: true });
  try {
    fs.writeFileSync(fileIn(kafkaDataDir), `${JSON.stringify(newPersonalDataSecrets(), null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return JSON.parse(fs.readFileSync(fileIn(kafkaDataDir), "utf8")) as PersonalDataSecrets;
}

/** The variable each category's KEK is passed in: PERSONAL_DATA_KEK_CONTACT, PERSONAL_DATA_KEK_ADDRESS. */
export const kekVariable = (category: PersonalDataCategory) => `PERSONAL_DATA_KEK_${category.toUpperCase()}`;

/** What a service is given: order every KEK, a reader its categories' KEKs, email also the admin token. */
export function personalDataEnv(service: Service | string, secrets: PersonalDataSecrets): Record<string, string> {
  const categories = personalDataCategories.filter((category) => service === "order" || (personalDataReaders[category] as readonly string[]).includes(service));
  return {
    ...Object.fromEntries(categories.map((category) => [kekVariable(category), secrets.keks[category]])),
    ...(service === "email" ? { EMAIL_ADMIN_TOKEN: secrets.emailAdminToken } : {}),
  };
}

/** infra.env's lines, for a service started by hand. */
export function personalDataEnvFileLines(secrets: PersonalDataSecrets): string[] {
  return [...personalDataCategories.map((category) => `${kekVariable(category)}=${secrets.keks[category]}`), `EMAIL_ADMIN_TOKEN=${secrets.emailAdminToken}`];
}
