// The API key lives in sessionStorage: it is gone when the tab closes, and
// never in a URL the browser keeps (the #key= fragment is removed at once).
const STORAGE = "igny8.apiKey";
const listeners = new Set<() => void>();

export function getKey(): string {
  return sessionStorage.getItem(STORAGE) ?? "";
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE, key.trim());
  listeners.forEach((f) => f());
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE);
  listeners.forEach((f) => f());
}

export function onAuthChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** keyFromFragment signs in with a #key=<api key> fragment and removes it
 * from the address bar (and the history entry) before anything renders. */
export function keyFromFragment(): void {
  const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(STORAGE, decodeURIComponent(m[1]));
  history.replaceState(history.state, "", location.pathname + location.search);
}
