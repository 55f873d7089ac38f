import { StorageUnavailable } from "./store.js";

/**
 * The store as the rest of the server sees it: every method of `store` and of the objects it
 * holds (its accounts and media) throws StorageUnavailable where the driver reported a disk
 * failure, which `diskFailure` recognises by the driver's code. One wrapper at the boundary, so
 * no query of any store can forget it and nothing above the stores knows a driver's codes.
 * Methods run on the store itself, not the wrapper, so its private fields and internal calls work.
 */
export function guardStorage<T extends object>(store: T, diskFailure: (error: unknown) => string | undefined): T {
  const translate = (error: unknown) => {
    const code = diskFailure(error);
    return code === undefined ? error : new StorageUnavailable(code, error);
  };
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value === "function") {
        return (...args: unknown[]) => {
          try {
            const result: unknown = value.apply(target, args);
            return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translate(error))) : result;
          } catch (error) {
            throw translate(error);
          }
        };
      }
      return typeof value === "object" && value !== null ? guardStorage(value, diskFailure) : value;
    },
  });
}
