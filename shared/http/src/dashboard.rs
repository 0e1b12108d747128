//! The dashboard API (first endpoints): who am I, the reports in my scope, one report.
//!
//! Every request carries an [`Officer`] in its extensions, put there by the
//! authentication layer of the host (API Gateway's JWT authorizer on Lambda, the
//! development sign-in locally); without one the answer is 401. Reports outside the
//! officer's scope answer 404, never 403.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use satark_core::access::Officer;
use satark_core::ids::ReportId;
use satark_core::ports::{AuditEntry, AuditLog, ReportStore};
use satark_core::range::RangeConfig;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone)]
pub struct DashboardState {
    pub reports: Arc<dyn ReportStore>,
    pub range: Arc<RangeConfig>,
    /// Every view of a report is recorded before it is shown.
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn satark_core::clock::Clock>,
}

/// The dashboard routes, under `/api`.
pub fn dashboard_router(state: DashboardState) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/reports", get(list))
        .route("/api/reports/{id}", get(detail))
        .route("/api/audit", get(audit))
        .with_state(state)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn me(officer: Option<Extension<Officer>>) -> Response {
    match officer {
        Some(Extension(officer)) => Json(officer).into_response(),
        None => error(StatusCode::UNAUTHORIZED, "sign in first"),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    limit: Option<usize>,
}

const MAX_LIST: usize = 200;

async fn list(
    State(state): State<DashboardState>,
    officer: Option<Extension<Officer>>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(Extension(officer)) = officer else {
        return error(StatusCode::UNAUTHORIZED, "sign in first");
    };
    if officer.role == satark_core::access::Role::Analyst {
        return error(StatusCode::FORBIDDEN, "analysts see aggregates only");
    }
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_LIST);
    // Scoped queries by index come with the reports list work; until then, filter the
    // newest reports (bounded, never the whole table).
    match state.reports.list_recent(MAX_LIST * 5).await {
        Ok(reports) => {
            let mut visible = vec![];
            for report in reports.into_iter().filter(|r| officer.can_see(r, &state.range)) {
                if visible.len() == limit {
                    break;
                }
                match may_see(&state, &officer, &report).await {
                    Ok(true) => visible.push(report),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "reading a report's sensitivity failed");
                        return error(StatusCode::SERVICE_UNAVAILABLE, "reports are unavailable, try again");
                    }
                }
            }
            Json(json!({ "reports": visible })).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "listing reports failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "reports are unavailable, try again")
        }
    }
}

async fn detail(
    State(state): State<DashboardState>,
    officer: Option<Extension<Officer>>,
    Path(id): Path<String>,
) -> Response {
    let Some(Extension(officer)) = officer else {
        return error(StatusCode::UNAUTHORIZED, "sign in first");
    };
    let Some(id) = ReportId::parse(&id) else {
        return error(StatusCode::NOT_FOUND, "no such report");
    };
    let report = match state.reports.get(&id).await {
        Ok(Some(report)) => match may_see(&state, &officer, &report).await {
            Ok(true) => Ok(Some(report)),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        },
        other => other,
    };
    match report {
        Ok(Some(report)) => {
            let entry = AuditEntry {
                at: state.clock.now(),
                actor: officer.subject.clone(),
                action: "report.view".into(),
                report_id: Some(report.id.clone()),
                detail: None,
            };
            // No record, no view: an unaudited read is worse than an unavailable one.
            if let Err(e) = state.audit.append(&entry).await {
                tracing::error!(error = %e, "audit log unavailable");
                return error(StatusCode::SERVICE_UNAVAILABLE, "reports are unavailable, try again");
            }
            Json(report).into_response()
        }
        Ok(_) => error(StatusCode::NOT_FOUND, "no such report"),
        Err(e) => {
            tracing::error!(error = %e, "reading a report failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "reports are unavailable, try again")
        }
    }
}

/// Whether the officer may see the report, by the higher of its category's and the
/// classifier's sensitivity: a misconduct report filed under another category is
/// restricted (never shown to a station). Only station officers need the second read.
async fn may_see(
    state: &DashboardState,
    officer: &Officer,
    report: &satark_core::report::Report,
) -> Result<bool, satark_core::ports::StoreError> {
    if !officer.can_see(report, &state.range) {
        return Ok(false);
    }
    if officer.role != satark_core::access::Role::Station {
        return Ok(true);
    }
    // Not classified yet: a station waits, as the sensitivity is not known.
    let Some(assessed) = state.reports.assessed_sensitivity(&report.id).await? else {
        return Ok(false);
    };
    Ok(officer.can_see_assessed(report, &state.range, Some(assessed)))
}

/// The audit log, for the range office only (others: 404, as if it did not exist).
async fn audit(State(state): State<DashboardState>, officer: Option<Extension<Officer>>) -> Response {
    let Some(Extension(officer)) = officer else {
        return error(StatusCode::UNAUTHORIZED, "sign in first");
    };
    if officer.role != satark_core::access::Role::Range {
        return error(StatusCode::NOT_FOUND, "not found");
    }
    match state.audit.recent(MAX_LIST).await {
        Ok(entries) => Json(json!({ "entries": entries })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading the audit log failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the audit log is unavailable, try again",
            )
        }
    }
}
