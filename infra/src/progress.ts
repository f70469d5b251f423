/** Where launchers report what they are doing (downloads, waits), one line at a time. */
export type Progress = (line: string) => void;

export const silent: Progress = () => {};

export function prefixed(prefix: string, out: Progress): Progress {
  return (line) => out(`[${prefix}] ${line}`);
}
