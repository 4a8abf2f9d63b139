import { useState, type FormEvent } from "react";
import { ApiError, api, must, type Schemas } from "../api/client";
import { Link } from "../router";
import { ErrorBox } from "../ui";

// What the owner can do about each classified connection result.
const fixHints: Record<Schemas["ConnectionCheck"]["code"], string> = {
  ok: "Nothing to fix: content can be published to this site.",
  unreachable: "Check the address (scheme, host, port) and that the site is online and reachable from the internet.",
  transient: "The site answered with a server error; try again in a few minutes, or check its error log.",
  rate_limited: "The site is limiting requests; wait a little and test again.",
  unauthorized: "Check the username and create a new application password (Users → Profile → Application Passwords).",
  forbidden: "Give the user a role that can publish posts, upload files and manage categories (e.g. Editor).",
  not_platform: "The address does not serve the WordPress REST API: use the site's root address and check that /wp-json/ is reachable.",
  permanent: "The site refused the request; check the address and the site's security plugins.",
  misconfigured: "The saved connection is incomplete: enter the credentials again.",
};

const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? ["UTC"];

export function NewSite() {
  const [f, setF] = useState({
    name: "",
    url: "",
    platform: "wordpress" as "wordpress" | "shopify" | "custom",
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    username: "",
    application_password: "",
    shop_domain: "",
    admin_token: "",
    blog_id: "",
    webhook_url: "",
  });
  const [site, setSite] = useState<Schemas["Site"]>();
  const [check, setCheck] = useState<Schemas["ConnectionCheck"]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const fieldError = (name: string) => (error instanceof ApiError && error.field === name ? error.message : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setCheck(undefined);
    try {
      // The site first (once), then its connection, then the test.
      const s = site ?? (await must(api.POST("/v1/sites", { body: { name: f.name, url: f.url, platform: f.platform, time_zone: f.time_zone } })));
      setSite(s);
      const conn: Schemas["SiteConnection"] =
        f.platform === "wordpress"
          ? { url: f.url, username: f.username, application_password: f.application_password }
          : f.platform === "shopify"
            ? { shop_domain: f.shop_domain, admin_token: f.admin_token, blog_id: f.blog_id }
            : { webhook_url: f.webhook_url };
      await must(api.PUT("/v1/sites/{site}/integration", { params: { path: { site: s.id } }, body: conn }));
      setCheck(await must(api.POST("/v1/sites/{site}/integration/test", { params: { path: { site: s.id } } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Add a site</h1>
      <form onSubmit={submit} className="form">
        <label>
          Name <input required value={f.name} onChange={set("name")} disabled={!!site} />
        </label>
        <label>
          Platform{" "}
          <select value={f.platform} onChange={set("platform")} disabled={!!site}>
            <option value="wordpress">WordPress</option>
            <option value="shopify">Shopify</option>
            <option value="custom">Custom (webhook)</option>
          </select>
        </label>
        <label>
          Site address <input required type="url" value={f.url} onChange={set("url")} placeholder="https://blog.example.com" aria-invalid={!!fieldError("url")} />
          {fieldError("url") && <span className="field-error">{fieldError("url")}</span>}
        </label>
        <label>
          Time zone{" "}
          <select value={f.time_zone} onChange={set("time_zone")} disabled={!!site}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </label>
        {f.platform === "wordpress" && (
          <>
            <label>
              WordPress user <input required value={f.username} onChange={set("username")} autoComplete="off" />
            </label>
            <label>
              Application password <input required type="password" value={f.application_password} onChange={set("application_password")} autoComplete="new-password" />
            </label>
          </>
        )}
        {f.platform === "shopify" && (
          <>
            <label>
              Shop domain <input required value={f.shop_domain} onChange={set("shop_domain")} placeholder="my-shop.myshopify.com" />
            </label>
            <label>
              Admin API token <input required type="password" value={f.admin_token} onChange={set("admin_token")} />
            </label>
            <label>
              Blog ID <input required value={f.blog_id} onChange={set("blog_id")} />
            </label>
          </>
        )}
        {f.platform === "custom" && (
          <label>
            Webhook address <input required type="url" value={f.webhook_url} onChange={set("webhook_url")} />
          </label>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {site ? "Save and test again" : "Add site and test the connection"}
        </button>
      </form>
      <ErrorBox error={error} />
      {check && (
        <section aria-live="polite" className={check.ok ? "ok" : "error"} data-testid="connection-result">
          <h2>Connection: {check.code.replace(/_/g, " ")}</h2>
          <p>
            {check.message}
            {check.http_status ? ` (HTTP ${check.http_status})` : ""}
          </p>
          <p>
            <strong>What to do:</strong> {fixHints[check.code]}
          </p>
        </section>
      )}
      {site && (
        <p>
          <Link href={`/sites/${site.id}/keywords`}>Go to {site.name}</Link>
        </p>
      )}
    </>
  );
}
