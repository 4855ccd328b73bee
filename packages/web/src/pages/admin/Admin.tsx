import { useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import {
  ApiError,
  authApi,
  data,
  historyApi,
  moviesApi,
  ratingsApi,
  recsApi,
} from "../../api/client";
import type { components } from "../../api/generated/movies";
import { ErrorState, Loading } from "../../components/Status";
import { usePageTitle } from "../../components/usePageTitle";

type ServiceStatus = components["schemas"]["ServiceStatus"];
type QueueDepth = components["schemas"]["QueueDepth"];

const SERVICES: { name: string; load: () => Promise<ServiceStatus> }[] = [
  { name: "auth", load: () => data(authApi.GET("/auth/admin/status")) },
  { name: "movies", load: () => data(moviesApi.GET("/movies/admin/status")) },
  { name: "history", load: () => data(historyApi.GET("/history/admin/status")) },
  { name: "ratings", load: () => data(ratingsApi.GET("/ratings/admin/status")) },
  { name: "recs", load: () => data(recsApi.GET("/recommendations/admin/status")) },
];

export function AdminPage() {
  usePageTitle("Operations");
  return (
    <div>
      <h1>Operations</h1>
      <nav aria-label="Operator pages" className="admin-links">
        <Link to="/admin/movies/new" className="button-link">
          Add a movie
        </Link>
        <Link to="/admin/imports" className="button-link">
          Import a catalog
        </Link>
        <Link to="/admin/experiments" className="button-link">
          Experiments
        </Link>
      </nav>
      <p>
        To edit or delete a movie, open it (search the catalog) and choose “Edit movie”.
      </p>
      <PlatformStatus />
      <ModelStatus />
    </div>
  );
}

function depth(q: QueueDepth | null | undefined): string {
  if (!q) return "—";
  if (q.messages === null) return "unknown";
  return `${q.messages.toLocaleString()}`;
}

function PlatformStatus() {
  const statuses = useQueries({
    queries: SERVICES.map((s) => ({
      queryKey: ["admin-status", s.name],
      queryFn: s.load,
      refetchInterval: 5000,
      retry: false,
    })),
  });
  return (
    <section aria-labelledby="status-h">
      <h2 id="status-h">Services</h2>
      <div className="table-scroll">
        <table className="entries status-table">
          <caption className="visually-hidden">
            Each service: whether it answers, its outbox backlog, queues and dead letters
            (asked every 5 seconds)
          </caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">State</th>
              <th scope="col">Outbox backlog</th>
              <th scope="col">Events queued</th>
              <th scope="col">Consumers</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Tasks queued</th>
            </tr>
          </thead>
          <tbody>
            {SERVICES.map((s, i) => {
              const q = statuses[i];
              const st = q.data;
              const dead = st?.dead_letters?.messages ?? 0;
              return (
                <tr key={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>
                    {q.isPending
                      ? "asking…"
                      : q.isError
                        ? q.error instanceof ApiError && q.error.status < 500
                          ? `refused (${q.error.status})`
                          : "not answering"
                        : st!.broker_reachable
                          ? `ready (v${st!.version})`
                          : "broker unreachable"}
                  </td>
                  <td>
                    {st?.outbox
                      ? `${st.outbox.backlog.toLocaleString()}${
                          st.outbox.oldest_seconds != null && st.outbox.backlog > 0
                            ? ` (oldest ${st.outbox.oldest_seconds.toFixed(1)} s)`
                            : ""
                        }`
                      : "—"}
                  </td>
                  <td>{depth(st?.events)}</td>
                  <td>{st?.events?.consumers ?? "—"}</td>
                  <td className={dead > 0 ? "alert-cell" : undefined}>{depth(st?.dead_letters)}</td>
                  <td>{depth(st?.tasks)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ModelStatus() {
  const model = useQuery({
    queryKey: ["admin-model"],
    queryFn: () => data(recsApi.GET("/recommendations/model")),
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="model-h">
      <h2 id="model-h">Serving model</h2>
      {model.isPending && <Loading />}
      {model.isError && <ErrorState error={model.error} retry={() => model.refetch()} />}
      {model.data && (
        <>
          <p>
            Version <strong>{model.data.version}</strong> ({model.data.algorithm}), trained{" "}
            {new Date(model.data.trained_at).toLocaleString()}
            {model.data.training_seconds != null &&
              ` in ${model.data.training_seconds.toFixed(1)} s`}
            ; {model.data.catalog_items.toLocaleString()} movies in its catalog.
          </p>
          <dl className="report">
            {Object.entries(model.data.metrics as Record<string, unknown>).map(([k, v]) => (
              <div key={k}>
                <dt>{k.replace(/_/g, " ")}</dt>
                <dd>
                  {typeof v !== "number"
                    ? JSON.stringify(v)
                    : Number.isInteger(v)
                      ? v.toLocaleString()
                      : v.toFixed(4)}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
