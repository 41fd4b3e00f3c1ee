"""Payment risk 回款风险: probability each open installment is paid more than 30 days late."""

import streamlit as st

from apps import auth, display, exports, url_state
from apps import finance_data as fin

viewer = auth.require_screen("payment_risk")
st.title("回款风险 Payment risk")
if viewer.role == "admin":  # model quality is for analysts; finance reads the risk, not AUC and Brier
    bt = fin.payment_risk_backtest()
    if not bt.empty:
        row = bt.iloc[0]
        with st.expander("模型评估（分析人员）Model quality, for analysts"):
            st.caption(
                f"Model {row['model_version']}, backtest on installments due from {row['cutoff']}: "
                f"AUC {row['auc']:.3f}, Brier {row['brier']:.3f} (base {row['brier_base']:.3f}), "
                f"precision in top decile {row['precision_top_decile']:.1%} vs base rate {row['base_rate_test']:.1%}."
            )
st.caption("逾期30天以上概率：该期款项晚于到期日30天以上才回款的可能性 "
           "Probability that the installment is paid more than 30 days late.")
risk = fin.payment_risk(viewer)
bands = sorted(risk["risk_band"].dropna().unique())
url_state.seed("risk_bands", url_state.choices("band", bands))
band = st.multiselect("Risk band 风险等级", bands, format_func=display.code, placeholder="全部 All", key="risk_bands")
url_state.keep(band=band)
shown = risk[risk["risk_band"].isin(band)] if band else risk
st.metric("Open installments 未结期数", display.count(len(shown)))
display.table(shown)
st.download_button("CSV", exports.to_csv(shown, for_people=True), file_name="payment_risk.csv", mime="text/csv")

with st.expander("Customer payment behaviour 客户回款行为"):
    display.table(fin.customer_behavior(viewer))
