import { useEffect } from "react";

/** The document's title: what a screen reader announces and a tab shows. */
export function usePageTitle(title: string | undefined) {
  useEffect(() => {
    document.title = title ? `${title} · movierec` : "movierec";
  }, [title]);
}
