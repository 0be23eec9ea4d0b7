/**
 * The base of every error class the clients and providers define. Providers run in Pulumi's provider host as
 * the text Pulumi's closure serializer made of them (runtime/closure/createClosure.ts, rewriteSuper.ts), and
 * that text turns each class into a plain function:
 * - `super(message)` becomes `Error.call(this, message)`, which returns a new Error and sets nothing on `this`;
 * - a class whose prototype holds no method is emitted without its prototype, so its chain stops at Object.
 * A plain `class X extends Error` then throws objects with no message that are not `instanceof Error`, and the
 * engine prints `error: undefined`. This constructor puts back what the serializer dropped, so every subclass
 * behaves the same in the program, in tests and in the provider host (tests/providers/serialization.test.ts
 * proves it on the serialized providers). Outside the serialized copy it does nothing.
 *
 * Rules in clients/ and providers/ (tests/providers/serialization.test.ts checks them): extend CdcError (or one of
 * its subclasses), never Error directly; give every error class an explicit constructor (the serializer emits an
 * implicit one as `__super.call(this)`, dropping the message).
 */
export class CdcError extends Error {
  constructor(message: string) {
    super(message);
    restoreErrorShape(this, message);
  }
}

/** Puts back the prototype chain (up to Error), the message and the stack of an error built by a serialized constructor. */
export function restoreErrorShape(err: Error, message: string): void {
  // Each serialized constructor function keeps its parent as its own [[Prototype]] (Object.setPrototypeOf(__fN, parent)),
  // so the chain of the `.prototype` objects can be rebuilt from the constructors.
  let proto: { constructor?: unknown } | null = Object.getPrototypeOf(err);
  for (let depth = 0; proto && proto !== Error.prototype && proto !== Object.prototype && depth < 16; depth++) {
    const ctor = proto.constructor;
    if (typeof ctor !== "function") break;
    const parent: unknown = Object.getPrototypeOf(ctor);
    const parentProto = typeof parent === "function" ? (parent as { prototype?: object }).prototype : undefined;
    if (!parentProto) break;
    if (Object.getPrototypeOf(proto) !== parentProto) Object.setPrototypeOf(proto, parentProto);
    proto = parentProto as { constructor?: unknown };
  }
  if (!Object.prototype.hasOwnProperty.call(err, "message")) {
    Object.defineProperty(err, "message", { value: message, writable: true, configurable: true, enumerable: false });
  }
  if (!Object.prototype.hasOwnProperty.call(err, "stack") && typeof Error.captureStackTrace === "function") {
    Error.captureStackTrace(err, Object.getPrototypeOf(err)?.constructor as (...args: unknown[]) => unknown);
  }
}
