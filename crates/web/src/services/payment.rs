//! 交费: starting the payment of an application's fee stage with the gateway.

use store::graduation::application;
use store::payment::{self, OrderRequest};

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::views::payment::pay::{NOTIFY_PATH, RETURN_PATH};

/// A payment handed to the gateway.
pub struct Started {
    /// 订单号.
    pub order_no: String,
    /// The fee, in fen.
    pub amount_fen: i64,
    /// Where the payer goes to pay.
    pub pay_url: String,
}

/// For the candidate's current application: refused with the state machine's reason unless it
/// waits for payment; otherwise its order (an existing pending one, or a new one) is registered
/// with the gateway.
pub async fn start(state: &AppState, me: &CurrentCandidate) -> Result<Started, AppError> {
    let now = state.now();
    let Some(a) = application::of_candidate(&state.db, me.model.id)
        .await?
        .into_iter()
        .next()
    else {
        return Err(AppError::NotFound(
            "你还没有毕业申请，请先填写并提交毕业申请".to_owned(),
        ));
    };
    if !state.config.local_services {
        // The only gateway so far is the local stand-in; without it nobody can pay anywhere.
        return Err(AppError::Conflict(
            "本平台尚未接入网上支付渠道，暂不能网上交费，请联系省考试机构。本次未做任何更改。"
                .to_owned(),
        ));
    }
    let order = payment::create_order(&state.db, &a, now, Some(&me.ctx.ip)).await?;
    let subject = application::stages(&state.db, a.batch_id)
        .await?
        .into_iter()
        .nth(usize::try_from(order.stage).unwrap_or(usize::MAX))
        .map(|s| s.name)
        .unwrap_or_else(|| "毕业审定费".to_owned());
    let base = state.config.public_base_url.trim_end_matches('/');
    let pay_url = state
        .gateway
        .start(&OrderRequest {
            order_no: order.order_no.clone(),
            amount_fen: order.amount_fen,
            subject,
            notify_url: format!("{base}{NOTIFY_PATH}"),
            return_url: format!("{base}{RETURN_PATH}"),
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tracing::info!(order_no = %order.order_no, application = a.id, "payment started");
    Ok(Started {
        order_no: order.order_no,
        amount_fen: order.amount_fen,
        pay_url,
    })
}
