import { useMe } from "../../api/queries";
import { ErrorState, Loading } from "../../components/Status";

/** Operator pages: for the admin role only (the APIs refuse others anyway). */
export function RequireAdmin({ children }: { children: React.ReactNode }) {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} retry={() => me.refetch()} />;
  if (me.data?.role !== "admin") {
    return (
      <div className="form-page">
        <h1>Operators only</h1>
        <p>This page is for movierec's operators. Your account cannot open it.</p>
      </div>
    );
  }
  return <>{children}</>;
}
