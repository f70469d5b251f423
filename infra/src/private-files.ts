/**
 * Writes a file that holds secrets (passwords, URLs with passwords): readable and writable by its
 * owner only (mode 0600), whatever the umask, and whether or not the file existed before.
 */
import fs from "node:fs";

export function writePrivateFile(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  fs.chmodSync(`${file}.tmp`, 0o600); // `mode` applies only when the file is created
  fs.renameSync(`${file}.tmp`, file); // atomic: a reader never sees half a file
}
