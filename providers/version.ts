/**
 * Version of the provider code. Every resource passes it as the `providerVersion` input, so a change to
 * provider logic shows as an update (and the new code is stored in state for later read/delete).
 * Bump it whenever any file under providers/ or clients/ changes behaviour.
 */
export const PROVIDER_VERSION = "1.0.0";
