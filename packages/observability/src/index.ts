export { ConfigError, readConfig } from "./config";
export { createLogger, type Logger } from "./logger";
export { commonConfig } from "./service-config";
export { onShutdown } from "./shutdown";
export { exitOnStartupError } from "./startup";
