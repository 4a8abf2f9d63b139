import { api, must } from "../api/client";
import { Link } from "../router";
import { ErrorBox, fmt, useLoad, when } from "../ui";

// Three calls: the account (balance), the sites, the unread notifications.
export function Home() {
  const { data, error } = useLoad(
    () =>
      Promise.all([
        must(api.GET("/v1/account")),
        must(api.GET("/v1/sites", { params: { query: { limit: 50 } } })),
        must(api.GET("/v1/notifications", { params: { query: { unread: true, limit: 5 } } })),
      ]),
    [],
  );
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p>Loading…</p>;
  const [account, sites, unread] = data;
  return (
    <>
      <h1>{account.name}</h1>
      <section aria-labelledby="balance-h" className="cards">
        <h2 id="balance-h" className="visually-hidden">
          Balance
        </h2>
        <div className="card">
          <div className="label">Available credits</div>
          <div className="big" data-testid="available">
            {fmt(account.available)}
          </div>
        </div>
        <div className="card">
          <div className="label">Reserved for running work</div>
          <div className="big" data-testid="reserved">
            {fmt(account.reserved)}
          </div>
        </div>
        <div className="card">
          <div className="label">Spent</div>
          <div className="big">{fmt(account.settled)}</div>
        </div>
      </section>
      <section aria-labelledby="sites-h">
        <h2 id="sites-h">Sites</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Address</th>
              <th scope="col">Platform</th>
              <th scope="col">Time zone</th>
            </tr>
          </thead>
          <tbody>
            {sites.items.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/sites/${s.id}/keywords`}>{s.name}</Link>
                </td>
                <td>{s.url}</td>
                <td>{s.platform}</td>
                <td>{s.time_zone}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <Link href="/sites/new" className="button">
            Add a site
          </Link>
        </p>
      </section>
      <section aria-labelledby="notif-h">
        <h2 id="notif-h">Unread notifications ({fmt(unread.total)})</h2>
        {unread.items.length === 0 ? (
          <p>Nothing unread.</p>
        ) : (
          <ul className="plain">
            {unread.items.map((n) => (
              <li key={n.id} className={`sev-${n.severity}`}>
                <strong>{n.title}</strong> {n.message} <small>{when(n.created_at)}</small>
              </li>
            ))}
          </ul>
        )}
        <Link href="/notifications">All notifications</Link>
      </section>
    </>
  );
}
