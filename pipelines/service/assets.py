"""Python assets of the service area: the call-center QA engine and requirement-link suggestions.

Both read staging tables (built by dbt) from the warehouse and write their results back into
the ``service`` schema; the warehouse is opened read-write only inside the asset and closed.
"""


import dagster as dg
import pandas as pd

from kernel.outcomes import missing_inputs, record_outcome
from models_ml import requirement_matching
from pipelines import duckdb_session, reuse
from pipelines.resources import LakehouseResource
from pipelines.service import qa, qa_tables
from pipelines.typed_tables import write_typed

STG = "staging"
SUGGESTIONS = "service.requirement_link_suggestions"
SUGGESTION_COLUMNS = {"ticket_no": "varchar", "suggestion_rank": "bigint", "requirement_id": "varchar",
                      "score": "double"}
EVALUATION_COLUMNS = {"held_out_tickets": "bigint", "train_links": "bigint", "precision_at_1": "double",
                      "recall_at_3": "double", "evaluated_at": "timestamptz"}


def _key(*parts: str) -> dg.AssetKey:
    return dg.AssetKey(list(parts))


QA_TABLES = ("qa_rule_hits", "qa_conversation_scores", "qa_agent_scores", "qa_inspection_queue")
QA_INPUTS = (f"{STG}.stg_callcenter__transcripts", f"{STG}.stg_callcenter__agents")  # and the calls QA reads


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            _key("service", name),
            deps=[_key(STG, "stg_callcenter__transcripts"), _key(STG, "stg_callcenter__call_records"),
                  _key(STG, "stg_callcenter__agents")],
            group_name="service",
            description=desc,
        )
        for name, desc in zip(
            QA_TABLES,
            (
                "QA rule hits with evidence (message or time span), one row per hit.",
                "QA score per conversation (100 - weights of rules hit), hits, review priority.",
                "QA scores per agent and month.",
                "Conversations to review first: low score, critical hits, outlier duration.",
            ),
            strict=True,
        )
    ],
)
def qa_scores(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    settings = lakehouse.settings
    with duckdb_session.connect(str(settings.warehouse_path)) as con:
        # kept when transcripts, agents, the call records QA reads, rules (code) and settings are those
        # of the last success: a day's call records without transcripts change none of its rows
        counts, reused = reuse.run_or_reuse(con, settings, "service.qa", inputs=QA_INPUTS,
                                            outputs=[f"service.{t}" for t in QA_TABLES],
                                            compute=lambda: _write_qa_tables(con, context.log.info),
                                            extra=qa_tables.calls_read(con))
        missing = missing_inputs(con, "service.qa")
        record_outcome(con, "service.qa", "not_computed" if missing else "computed", "; ".join(missing), **counts)
    context.log.info(f"QA {'kept, its inputs are those of the last run' if reused else 'done'}: {counts}")
    for name in QA_TABLES:
        yield dg.MaterializeResult(asset_key=_key("service", name), metadata={"rows": counts[name], "reused": reused})


def _write_qa_tables(con, log) -> dict[str, int]:
    """The four QA tables from staging; their row counts."""
    qa_tables.write_scores(con, qa.load_rules(), log)
    con.execute(f"""
        create or replace table service.qa_agent_scores as
        select
            s.agent_id,
            coalesce(a.agent_name, s.agent_id) as agent_name,
            a.team,
            cast(date_trunc('month', s.started_at) as date) as period_month,
            count(*) as conversations,
            round(avg(s.qa_score), 2) as avg_qa_score,
            min(s.qa_score) as min_qa_score,
            sum(s.critical_rules_hit) as critical_hits,
            sum(case when s.rules_hit > 0 then 1 else 0 end) as conversations_with_hits
        from service.qa_conversation_scores as s
        left join {STG}.stg_callcenter__agents as a on s.agent_id = a.agent_id
        where s.agent_id is not null
        group by all
    """)
    con.execute(f"""
        create or replace table service.qa_inspection_queue as
        select
            row_number() over (order by s.review_priority desc, s.qa_score, s.duration_seconds desc,
                               s.conversation_id) as queue_rank,
            s.conversation_id, s.channel, s.agent_id, coalesce(a.agent_name, s.agent_id) as agent_name,
            a.team, s.started_at, s.duration_seconds, s.qa_score, s.critical_rules_hit, s.rules_hit,
            s.rule_ids, s.is_duration_outlier, s.review_priority
        from service.qa_conversation_scores as s
        left join {STG}.stg_callcenter__agents as a on s.agent_id = a.agent_id
        where s.rules_hit > 0
    """)
    return {t: con.execute(f"select count(*) from service.{t}").fetchone()[0] for t in QA_TABLES}


@dg.asset(
    key=_key("service", "requirement_link_suggestions"),
    deps=[_key("intermediate", "int_tickets_unioned"), _key(STG, "stg_callcenter__requirements"),
          _key(STG, "stg_callcenter__ticket_requirement_links")],
    group_name="service",
    description="Top-3 suggested requirements (TF-IDF char n-grams, cosine score) for unlinked "
    "feature-request and complaint tickets; precision@1 on held-out linked tickets in metadata.",
)
def requirement_link_suggestions(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    with duckdb_session.connect(str(lakehouse.settings.warehouse_path)) as con:
        # ordered by key: equal scores and the held-out draw must not depend on the engine's row order
        reqs = con.execute(f"select requirement_id, title, description from {STG}.stg_callcenter__requirements"
                           " where status <> 'rejected' order by requirement_id").df()
        links = con.execute(f"select ticket_no, requirement_id from {STG}.stg_callcenter__ticket_requirement_links"
                            " order by ticket_no, requirement_id").df()
        tickets = con.execute("select ticket_no, subject, description, category from intermediate.int_tickets_unioned"
                              " order by ticket_no").df()
        linked_categories = tickets.loc[tickets["ticket_no"].isin(links["ticket_no"]), "category"].unique()
        unlinked = tickets[~tickets["ticket_no"].isin(links["ticket_no"])
                           & tickets["category"].isin(linked_categories)]
        reason = "; ".join(missing_inputs(con, SUGGESTIONS))
        if not reason and reqs.empty:
            reason = "every requirement is rejected"
        evaluation = {"held_out_tickets": 0, "train_links": 0, "precision_at_1": None, "recall_at_3": None}
        suggestions = pd.DataFrame(columns=SUGGESTION_COLUMNS)
        if not reason:
            try:
                evaluation = requirement_matching.evaluate(reqs, links, tickets)
                matcher = requirement_matching.RequirementMatcher().fit(reqs, links, tickets)
            except ValueError as exc:  # e.g. requirements without any text: an empty vocabulary
                reason = f"requirement texts give nothing to match on ({exc})"
            else:
                context.log.info(f"requirement matching held-out evaluation: {evaluation}")
                suggestions = matcher.suggest(unlinked, top_k=3, min_score=0.05)
        write_typed(con, "service.requirement_link_suggestions", suggestions, SUGGESTION_COLUMNS)
        evaluation_frame = pd.DataFrame([{**evaluation, "evaluated_at": pd.Timestamp.now(tz="UTC")}])
        write_typed(con, "service.requirement_matching_evaluation", evaluation_frame, EVALUATION_COLUMNS)
        record_outcome(con, SUGGESTIONS, "not_computed" if reason else "computed", reason,
                       suggestions=len(suggestions), unlinked_tickets=len(unlinked))
    if reason:
        context.log.warning(f"requirement link suggestions not computed: {reason}")
    return dg.MaterializeResult(metadata={"suggestions": len(suggestions), "unlinked_tickets": len(unlinked),
                                          **({"not_computed": reason} if reason else {}),
                                          **{k: v for k, v in evaluation.items() if v is not None}})


defs = dg.Definitions(assets=[qa_scores, requirement_link_suggestions])
