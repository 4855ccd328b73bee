// Generated from openapi/recs.json by scripts/generate-client.mjs: do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Process is alive */
        get: operations["healthz_healthz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Dependencies' status; 503 only when the database is unreachable */
        get: operations["readyz_readyz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Personal recommendations, each with its reason */
        get: operations["recommendations_recommendations_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** What you did with recommendations: impressions, clicks, dismissals */
        post: operations["feedback_recommendations_feedback_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/popular": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Popular movies lately, overall or in genres */
        get: operations["popular_recommendations_popular_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/similar/{movie_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Movies similar to one movie */
        get: operations["similar_recommendations_similar__movie_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The model serving now */
        get: operations["model_recommendations_model_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/dismissals/{movie_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Not interested: never recommend this movie to me, and fewer like it */
        put: operations["dismiss_recommendations_dismissals__movie_id__put"];
        post?: never;
        /** Undo a dismissal: the movie may be recommended again */
        delete: operations["undismiss_recommendations_dismissals__movie_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/dismissals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The movies you said you are not interested in, newest first */
        get: operations["dismissals_recommendations_dismissals_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/experiments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Experiments, newest first */
        get: operations["experiments_recommendations_experiments_get"];
        put?: never;
        /** Create an experiment (a draft): 2–4 variants of the default feed */
        post: operations["create_recommendations_experiments_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/experiments/{experiment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One experiment */
        get: operations["experiment_recommendations_experiments__experiment_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/experiments/{experiment_id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a draft: users are bucketed into its variants from their next request */
        post: operations["start_recommendations_experiments__experiment_id__start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/experiments/{experiment_id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a running experiment (its results stay) */
        post: operations["stop_recommendations_experiments__experiment_id__stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/experiments/{experiment_id}/results": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Per variant: users, impressions, rates with 95 % intervals, and the verdict */
        get: operations["results_recommendations_experiments__experiment_id__results_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recommendations/admin/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service's outbox backlog, event, dead-letter and task queues (admin) */
        get: operations["service_status_recommendations_admin_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Comparison */
        Comparison: {
            /** Variant */
            variant: string;
            /** Against */
            against: string;
            /**
             * P Value
             * @description Always-valid (mSPRT): safe to read at any time.
             */
            p_value: number;
            /** Significant */
            significant: boolean;
        };
        /** DismissalOut */
        DismissalOut: {
            /** Movie Id */
            movie_id: number;
            /**
             * Title
             * @description Null when the movie left the catalog.
             */
            title: string | null;
            /**
             * Dismissed At
             * Format: date-time
             */
            dismissed_at: string;
        };
        /** ExperimentIn */
        ExperimentIn: {
            /** Name */
            name: string;
            /**
             * Description
             * @default
             */
            description: string;
            /**
             * Variants
             * @description 2–4; the first is the control.
             */
            variants: components["schemas"]["VariantIn"][];
        };
        /** ExperimentOut */
        ExperimentOut: {
            /** Experiment Id */
            experiment_id: number;
            /** Name */
            name: string;
            /** Description */
            description: string;
            /**
             * Status
             * @enum {string}
             */
            status: "draft" | "running" | "stopped";
            /** Variants */
            variants: components["schemas"]["VariantOut"][];
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Started At */
            started_at: string | null;
            /** Stopped At */
            stopped_at: string | null;
        };
        /** ExperimentResults */
        ExperimentResults: {
            /** Experiment Id */
            experiment_id: number;
            /** Name */
            name: string;
            /**
             * Status
             * @enum {string}
             */
            status: "draft" | "running" | "stopped";
            /** Started At */
            started_at: string | null;
            /** Stopped At */
            stopped_at: string | null;
            /** Variants */
            variants: components["schemas"]["VariantResults"][];
            verdict: components["schemas"]["Verdict"];
        };
        /** FeedbackIn */
        FeedbackIn: {
            /** Recommendation Id */
            recommendation_id: string;
            /** Movie Id */
            movie_id: number;
            /**
             * Kind
             * @description impression: shown on screen; click: opened; dismiss: not interested (as PUT /recommendations/dismissals/{movie_id}).
             * @enum {string}
             */
            kind: "impression" | "click" | "dismiss";
        };
        /** FeedbackOut */
        FeedbackOut: {
            /**
             * Recorded
             * @description Items recorded now.
             */
            recorded: number;
            /**
             * Replayed
             * @description Items recorded before (ignored).
             */
            replayed: number;
        };
        /** Interval */
        Interval: {
            /**
             * Value
             * @description Null without data.
             */
            value: number | null;
            /**
             * Low
             * @description 95 % confidence interval (delta method over users).
             */
            low: number | null;
            /** High */
            high: number | null;
        };
        /** ModelInfo */
        ModelInfo: {
            /** Version */
            version: string;
            /**
             * Trained At
             * Format: date-time
             */
            trained_at: string;
            /** Algorithm */
            algorithm: string;
            /**
             * Metrics
             * @description Offline metrics on an 80/20 split.
             */
            metrics: {
                [key: string]: number;
            };
            /** Sizes */
            sizes: {
                [key: string]: number;
            };
            /** Fit Seconds */
            fit_seconds?: number | null;
            /** Training Seconds */
            training_seconds?: number | null;
            /**
             * Weights
             * @description The hybrid's blend weights.
             */
            weights: {
                [key: string]: number;
            };
            /**
             * Catalog Items
             * @description Movies servable now, incl. ones added since.
             */
            catalog_items: number;
        };
        /** OutboxState */
        OutboxState: {
            /**
             * Backlog
             * @description Events and tasks recorded, not yet published
             */
            backlog: number;
            /**
             * Oldest Seconds
             * @description Age of the oldest of them
             */
            oldest_seconds: number | null;
        };
        /** Page[DismissalOut] */
        Page_DismissalOut_: {
            /** Items */
            items: components["schemas"]["DismissalOut"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        };
        /** Page[ExperimentOut] */
        Page_ExperimentOut_: {
            /** Items */
            items: components["schemas"]["ExperimentOut"][];
            /** Total */
            total: number;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
        };
        /** QueueDepth */
        QueueDepth: {
            /** Name */
            name: string;
            /**
             * Messages
             * @description Messages ready; null when unknown or missing
             */
            messages: number | null;
            /**
             * Consumers
             * @description Consumers attached; null when unknown
             */
            consumers: number | null;
        };
        /** Reason */
        Reason: {
            /**
             * Kind
             * @enum {string}
             */
            kind: "viewers_also_liked" | "because_you_watched" | "similar_content" | "taste" | "popular" | "favorite_genres";
            /**
             * Text
             * @description Why this movie, in words a user reads.
             */
            text: string;
            /**
             * Movie Id
             * @description The movie this one was chosen for being close to.
             */
            movie_id?: number | null;
        };
        /** RecommendationPage */
        RecommendationPage: {
            /** Items */
            items: components["schemas"]["RecommendedMovie"][];
            /** Strategy */
            strategy: string;
            /** Model Version */
            model_version: string;
            /** Limit */
            limit: number;
            /** Offset */
            offset: number;
            /**
             * Recommendation Id
             * @description Names this page in feedback (personal recommendations only).
             */
            recommendation_id?: string | null;
            /**
             * Diversity
             * @description The diversity it was ranked at.
             */
            diversity?: number | null;
            /**
             * Experiment
             * @description The experiment that served it, if the user is in one.
             */
            experiment?: string | null;
            /**
             * Variant
             * @description The experiment's variant.
             */
            variant?: string | null;
        };
        /** RecommendedMovie */
        RecommendedMovie: {
            /** Movie Id */
            movie_id: number;
            /** Title */
            title: string;
            /** Year */
            year: number | null;
            /** Genres */
            genres: string[];
            /** Score */
            score: number;
            reason: components["schemas"]["Reason"];
        };
        /** ServiceStatus */
        ServiceStatus: {
            /** Service */
            service: string;
            /** Version */
            version: string;
            /**
             * Checked At
             * Format: date-time
             */
            checked_at: string;
            /** @description Null while the database does not answer */
            outbox: components["schemas"]["OutboxState"] | null;
            /** @description The event queue (null: consumes none) */
            events: components["schemas"]["QueueDepth"] | null;
            dead_letters: components["schemas"]["QueueDepth"] | null;
            tasks: components["schemas"]["QueueDepth"];
            /** Broker Reachable */
            broker_reachable: boolean;
        };
        /**
         * Strategy
         * @enum {string}
         */
        Strategy: "hybrid" | "history" | "ratings" | "popular";
        /** VariantIn */
        VariantIn: {
            /** Name */
            name: string;
            strategy: components["schemas"]["Strategy"];
            /**
             * Diversity
             * @description Variety traded for relevance (0–1); left out: the service's default (MOVIEREC_RECS_DIVERSITY), stored with the experiment.
             */
            diversity?: number | null;
            /**
             * Weight
             * @description Share of the traffic.
             * @default 1
             */
            weight: number;
        };
        /** VariantOut */
        VariantOut: {
            /** Name */
            name: string;
            strategy: components["schemas"]["Strategy"];
            /**
             * Diversity
             * @description Variety traded for relevance (0–1).
             */
            diversity: number;
            /**
             * Weight
             * @description Share of the traffic.
             * @default 1
             */
            weight: number;
        };
        /** VariantResults */
        VariantResults: {
            /** Name */
            name: string;
            strategy: components["schemas"]["Strategy"];
            /**
             * Diversity
             * @description Variety traded for relevance (0–1).
             */
            diversity: number;
            /**
             * Weight
             * @description Share of the traffic.
             * @default 1
             */
            weight: number;
            /**
             * Users
             * @description Users exposed (served by this variant at least once).
             */
            users: number;
            /** Impressions */
            impressions: number;
            /** Clicks */
            clicks: number;
            /**
             * Watches
             * @description Watches credited to its recommendations.
             */
            watches: number;
            /**
             * Ratings
             * @description Ratings credited to its recommendations.
             */
            ratings: number;
            /** Dismissals */
            dismissals: number;
            /**
             * Metrics
             * @description click_through_rate, watch_rate, rating_rate, dismissal_rate (per impression) and mean_rating (of the credited ratings).
             */
            metrics: {
                [key: string]: components["schemas"]["Interval"];
            };
        };
        /** Verdict */
        Verdict: {
            /** Primary Metric */
            primary_metric: string;
            /** Method */
            method: string;
            /** Alpha */
            alpha: number;
            /** Decided */
            decided: boolean;
            /** Winner */
            winner: string | null;
            /** Text */
            text: string;
            /** Comparisons */
            comparisons: components["schemas"]["Comparison"][];
        };
        /**
         * Problem
         * @description An error response (RFC 9457 problem details).
         */
        Problem: {
            /**
             * Type
             * @default about:blank
             */
            type: string;
            /** Title */
            title: string;
            /** Status */
            status: number;
            /**
             * Detail
             * @default null
             */
            detail: string | null;
            /**
             * Instance
             * @default null
             */
            instance: string | null;
            /**
             * Request Id
             * @default null
             */
            request_id: string | null;
            /**
             * Errors
             * @default null
             */
            errors: components["schemas"]["FieldError"][] | null;
        };
        /** FieldError */
        FieldError: {
            /** Field */
            field: string;
            /** Location */
            location: string;
            /** Message */
            message: string;
            /**
             * Type
             * @default null
             */
            type: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz_healthz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    readyz_readyz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The database is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    recommendations_recommendations_get: {
        parameters: {
            query?: {
                /** @description Which recommender ranks (default: hybrid, or the variant of the running experiment the user is in when neither strategy nor diversity is given). */
                strategy?: components["schemas"]["Strategy"] | null;
                /** @description Variety traded for relevance, 0 (none) to 1 (default: the service's setting, or the experiment's variant). */
                diversity?: number | null;
                /** @description Repeatable; all must match. */
                genre?: ("Action" | "Adventure" | "Animation" | "Children" | "Comedy" | "Crime" | "Documentary" | "Drama" | "Fantasy" | "Film-Noir" | "Horror" | "IMAX" | "Musical" | "Mystery" | "Romance" | "Sci-Fi" | "Thriller" | "War" | "Western")[] | null;
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip (≤ 1000). */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecommendationPage"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No model has been trained yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    feedback_recommendations_feedback_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FeedbackIn"][];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackOut"];
                };
            };
            /** @description Body could not be decoded */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An item names no page served to you: nothing was recorded */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Malformed, or more than 100 items: nothing was recorded */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    popular_recommendations_popular_get: {
        parameters: {
            query?: {
                /** @description Repeatable; all must match. */
                genre?: ("Action" | "Adventure" | "Animation" | "Children" | "Comedy" | "Crime" | "Documentary" | "Drama" | "Fantasy" | "Film-Noir" | "Horror" | "IMAX" | "Musical" | "Mystery" | "Romance" | "Sci-Fi" | "Thriller" | "War" | "Western")[] | null;
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip (≤ 1000). */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecommendationPage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No model has been trained yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    similar_recommendations_similar__movie_id__get: {
        parameters: {
            query?: {
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip (≤ 1000). */
                offset?: number;
            };
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecommendationPage"];
                };
            };
            /** @description Unknown movie */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No model has been trained yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    model_recommendations_model_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelInfo"];
                };
            };
            /** @description No model has been trained yet */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    dismiss_recommendations_dismissals__movie_id__put: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Dismissed before (kept as it was) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DismissalOut"];
                };
            };
            /** @description Dismissed */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown movie */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    undismiss_recommendations_dismissals__movie_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Movie id */
                movie_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not among your dismissals */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    dismissals_recommendations_dismissals_get: {
        parameters: {
            query?: {
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_DismissalOut_"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    experiments_recommendations_experiments_get: {
        parameters: {
            query?: {
                /** @description Items per page (1–100). */
                limit?: number;
                /** @description Items to skip. */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_ExperimentOut_"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    create_recommendations_experiments_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExperimentIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentOut"];
                };
            };
            /** @description Body could not be decoded */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The name is taken */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    experiment_recommendations_experiments__experiment_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Experiment id */
                experiment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentOut"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown experiment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    start_recommendations_experiments__experiment_id__start_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Experiment id */
                experiment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentOut"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown experiment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not a draft, or another one runs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stop_recommendations_experiments__experiment_id__stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Experiment id */
                experiment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentOut"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown experiment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not running */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    results_recommendations_experiments__experiment_id__results_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Experiment id */
                experiment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExperimentResults"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown experiment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    service_status_recommendations_admin_status_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceStatus"];
                };
            };
            /** @description Not logged in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not an admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
