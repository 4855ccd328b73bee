import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useSearchParams } from "react-router";
import { data, moviesApi } from "../../api/client";
import { Field } from "../../components/Field";
import { ErrorState, Loading } from "../../components/Status";
import { usePageTitle } from "../../components/usePageTitle";

export function ImportsPage() {
  usePageTitle("Catalog import");
  const [params, setParams] = useSearchParams();
  const jobId = params.get("job");
  const [dataDir, setDataDir] = useState("");
  const [imdbFile, setImdbFile] = useState("");
  const start = useMutation({
    mutationFn: () =>
      data(
        moviesApi.POST("/movies/imports", {
          body: { data_dir: dataDir.trim() || null, imdb_file: imdbFile.trim() || null },
        }),
      ),
    onSuccess: (job) => setParams({ job: job.id }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <div className="form-page">
      <h1>Catalog import</h1>
      <p>
        Loads a MovieLens folder (and optionally the IMDb top 1000 file) from the movies
        service's machine into the catalog. Movies already there are updated; nothing is
        deleted.
      </p>
      <form onSubmit={submit}>
        <Field
          id="import-dir"
          label="MovieLens folder on the server (empty: the configured one)"
          value={dataDir}
          maxLength={1000}
          onChange={(e) => setDataDir(e.target.value)}
        />
        <Field
          id="import-imdb"
          label="IMDb file on the server (optional)"
          value={imdbFile}
          maxLength={1000}
          onChange={(e) => setImdbFile(e.target.value)}
        />
        {start.isError && <ErrorState error={start.error} />}
        <button type="submit" disabled={start.isPending}>
          {start.isPending ? "Starting…" : "Start import"}
        </button>
      </form>
      {jobId && <ImportProgress jobId={jobId} />}
    </div>
  );
}

function ImportProgress({ jobId }: { jobId: string }) {
  const job = useQuery({
    queryKey: ["import", jobId],
    queryFn: () => data(moviesApi.GET("/movies/imports/{job_id}", { params: { path: { job_id: jobId } } })),
    refetchInterval: (query) =>
      query.state.data && ["succeeded", "failed"].includes(query.state.data.status) ? false : 1000,
  });
  if (job.isPending) return <Loading label="Asking for the import's progress…" />;
  if (job.isError) return <ErrorState error={job.error} retry={() => job.refetch()} />;
  const j = job.data;
  return (
    <section aria-labelledby="progress-h" className="actions">
      <h2 id="progress-h">Import {j.id.slice(0, 8)}</h2>
      <p role="status">
        {j.status} — {j.stage}
        {j.total > 0 && `: ${j.done.toLocaleString()} of ${j.total.toLocaleString()}`}
      </p>
      <progress max={Math.max(1, j.total)} value={j.done} aria-label="Import progress" />
      {Object.keys(j.report).length > 0 && (
        <dl className="report">
          {Object.entries(j.report).map(([k, v]) => (
            <div key={k}>
              <dt>{k.replace(/_/g, " ")}</dt>
              <dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
