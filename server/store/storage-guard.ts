import { StorageUnavailable } from "./store.js";

/**
 * The store as the rest of the server sees it: every method of `store` and of the objects it
 * holds (its accounts and media) throws StorageUnavailable where the driver reported a disk
 * failure, which `diskFailure` recognises by the driver's code. One wrapper at the boundary, so
 * no query of any store can forget it and nothing above the stores knows a driver's codes.
 * Methods run on the store itself, not the wrapper, so its private fields and internal calls work.
 */
export function guardStorage<T extends object>(store: T, diskFailure: (error: unknown) => string | undefined): T {
  // One guard per object, so `store.accounts` is the same object each time it is read.
  const guarded = new WeakMap<object, object>();
  const guard = <O extends object>(target: O): O => {
    let proxy = guarded.get(target);
    if (!proxy) guarded.set(target, (proxy = guardObject(target)));
    return proxy as O;
  };
  const translate = (error: unknown) => {
    const code = diskFailure(error);
    return code === undefined ? error : new StorageUnavailable(code, error);
  };
  const guardObject = <O extends object>(object: O): O =>
    new Proxy(object, {
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
        return typeof value === "object" && value !== null ? guard(value) : value;
      },
    });
  return guard(store);
}
