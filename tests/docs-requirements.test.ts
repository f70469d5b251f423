/**
 * What the docs say a machine needs is what the code asks for: the JDK that CI's script and the
 * README name is the one the native infrastructure's launcher requires (Apicurio Registry's).
 */
import fs from "node:fs";
import path from "node:path";
import { minJava } from "@shop/infra";

const read = (file: string) => fs.readFileSync(path.resolve(__dirname, "..", file), "utf8");

test.each([".ci/run", "README.md", "infra/README.md"])("when %s says which JDK native infrastructure needs, then it names the launcher's minimum", (file) => {
  expect(read(file)).toContain(`JDK ${minJava}+`);
});
