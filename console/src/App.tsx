import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { getKey, onAuthChange, signIn, signOut } from "./auth";
import { Link, match, navigate, usePath } from "./router";
import { Automation } from "./screens/Automation";
import { Calendar } from "./screens/Calendar";
import { ContentDetail } from "./screens/ContentDetail";
import { Home } from "./screens/Home";
import { Settings } from "./screens/Settings";
import { Usage } from "./screens/Usage";
import { NewSite } from "./screens/NewSite";
import { Notifications } from "./screens/Notifications";
import { SiteList, lists, type ListKind } from "./screens/SiteLists";

/** The site's screens, in the order of the workflow. */
const siteTabs: { path: string; label: string }[] = [
  { path: "keywords", label: "Keywords" },
  { path: "clusters", label: "Clusters" },
  { path: "ideas", label: "Ideas" },
  { path: "tasks", label: "Tasks" },
  { path: "content", label: "Content" },
  { path: "images", label: "Images" },
  { path: "automation", label: "Automation" },
  { path: "calendar", label: "Calendar" },
  { path: "settings", label: "Settings" },
];

function route(path: string): ReactNode {
  if (match("/", path)) return <Home />;
  if (match("/sites/new", path)) return <NewSite />;
  if (match("/notifications", path)) return <Notifications />;
  if (match("/usage", path)) return <Usage />;
  const c = match("/sites/:site/content/:content", path);
  if (c) return <Site site={c.site} tab="content">{<ContentDetail site={c.site} content={c.content} />}</Site>;
  const m = match("/sites/:site/:tab", path);
  if (m && m.tab in lists) return <Site site={m.site} tab={m.tab}>{<SiteList site={m.site} kind={m.tab as ListKind} />}</Site>;
  if (m?.tab === "automation") return <Site site={m.site} tab={m.tab}>{<Automation site={m.site} />}</Site>;
  if (m?.tab === "calendar") return <Site site={m.site} tab={m.tab}>{<Calendar site={m.site} />}</Site>;
  if (m?.tab === "settings") return <Site site={m.site} tab={m.tab}>{<Settings site={m.site} />}</Site>;
  return (
    <>
      <h1>Not found</h1>
      <p>
        No screen at {path}. <Link href="/">Home</Link>
      </p>
    </>
  );
}

function Site({ site, tab, children }: { site: string; tab: string; children: ReactNode }) {
  return (
    <>
      <nav aria-label="Site" className="tabs">
        {siteTabs.map((t) => (
          <Link key={t.path} href={`/sites/${site}/${t.path}`} aria-current={t.path === tab ? "page" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {children}
    </>
  );
}

function SignIn() {
  const [key, setKey] = useState("");
  function submit(e: FormEvent) {
    e.preventDefault();
    signIn(key);
  }
  return (
    <main className="signin">
      <h1>IGNY8 console</h1>
      <form onSubmit={submit} className="form">
        <label>
          API key <input type="password" required value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
      <p>The key is kept in this tab's session storage only.</p>
    </main>
  );
}

export function App() {
  const [key, setKeyState] = useState(getKey());
  useEffect(() => onAuthChange(() => setKeyState(getKey())), []);
  const path = usePath();
  if (!key) return <SignIn />;
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          IGNY8
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={path === "/" ? "page" : undefined}>
            Home
          </Link>
          <Link href="/sites/new" aria-current={path === "/sites/new" ? "page" : undefined}>
            Add a site
          </Link>
          <Link href="/notifications" aria-current={path === "/notifications" ? "page" : undefined}>
            Notifications
          </Link>
          <Link href="/usage" aria-current={path === "/usage" ? "page" : undefined}>
            Usage
          </Link>
        </nav>
        <button
          type="button"
          onClick={() => {
            signOut();
            navigate("/");
          }}
        >
          Sign out
        </button>
      </header>
      <main>{route(path)}</main>
    </>
  );
}
