import { useState } from "react";
import { api, must } from "../api/client";
import { ErrorBox, Pager, useLoad, when } from "../ui";
import { useCursorPages } from "../pages";

const SIZE = 20;

export function Notifications() {
  const [unread, setUnread] = useState(false);
  const pages = useCursorPages([unread]);
  const { data, error, reload } = useLoad(
    () => must(api.GET("/v1/notifications", { params: { query: { unread: unread || undefined, limit: SIZE, cursor: pages.cursor } } })),
    [unread, pages.cursor],
  );
  const [actionError, setActionError] = useState<unknown>();
  async function markRead(id: string) {
    try {
      await must(api.POST("/v1/notifications/{notification}/read", { params: { path: { notification: id } } }));
      setActionError(undefined);
      await reload();
    } catch (e) {
      setActionError(e);
    }
  }
  return (
    <>
      <h1>Notifications</h1>
      <div className="filters">
        <label>
          <input type="checkbox" checked={unread} onChange={(e) => setUnread(e.target.checked)} /> Unread only
        </label>
      </div>
      <ErrorBox error={error ?? actionError} />
      {data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Title</th>
                <th scope="col">Message</th>
                <th scope="col">Read</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((n) => (
                <tr key={n.id} className={n.read ? "" : "unread"}>
                  <td>{when(n.created_at)}</td>
                  <td className={`sev-${n.severity}`}>{n.title}</td>
                  <td>{n.message}</td>
                  <td>
                    {n.read ? (
                      "read"
                    ) : (
                      <button type="button" onClick={() => markRead(n.id)}>
                        Mark read
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={pages.page} total={data.total} size={SIZE} hasNext={!!data.next_cursor} onPrev={pages.prev} onNext={() => pages.next(data.next_cursor)} />
        </>
      )}
    </>
  );
}
