// The typed API client. Its types (schema.d.ts) are generated from
// shared/httpapi/openapi.json at every build (scripts/console.sh), so a
// change of the contract that the console does not follow fails `tsc`.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { getKey, signOut } from "../auth";

export type Schemas = components["schemas"];

export const api = createClient<paths>({ baseUrl: "" });

const auth: Middleware = {
  onRequest({ request }) {
    const key = getKey();
    if (key) request.headers.set("Authorization", `Bearer ${key}`);
    return request;
  },
  onResponse({ response }) {
    // A key that stopped working (revoked, or the stack's data was reset)
    // signs the console out instead of failing every screen.
    if (response.status === 401) signOut();
    return response;
  },
};
api.use(auth);

/** ApiError is an error answer of the API (its code, message and field). */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message);
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** must returns the answer's data or throws its ApiError. */
export async function must<T>(p: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) {
    const e = (error as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new ApiError(response.status, e?.code ?? "internal", e?.message ?? response.statusText, e?.field);
  }
  return data as T;
}
