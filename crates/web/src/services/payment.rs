//! 交费: starting the payment of an application's fee stage with the gateway, and learning its
//! result when the candidate comes back from the gateway.

use store::graduation::application;
use store::payment::{self, OrderRequest, Settlement};
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::views::payment::pay::{NOTIFY_PATH, return_path};

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
            return_url: format!("{base}{}", return_path(&order.order_no)),
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

/// What is known of an order when its payer comes back from the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// Booked paid (now or before): 审核进度 shows it.
    Paid,
    /// Neither we nor the gateway know of a payment yet.
    Confirming,
}

/// The candidate is back from the gateway with `order_no`. Their gateway's notification may
/// still be on its way, so unless the order is booked paid already the gateway is asked (a
/// signed query), and a payment it reports is settled through [`payment::settle`], the path of
/// the notification callback: whichever of the two comes first books it, once, with its audit
/// row; the other finds it paid. An order that is not the candidate's is `NotFound`, as an
/// unknown one is.
pub async fn after_return(
    state: &AppState,
    me: &CurrentCandidate,
    order_no: &str,
) -> Result<Returned, AppError> {
    let not_found = || AppError::NotFound("未找到该交费订单".to_owned());
    if order_no.is_empty()
        || order_no.len() > 40
        || !order_no.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(not_found());
    }
    let order = match payment::order(&state.db, order_no).await {
        Ok(o) => o,
        Err(RepoError::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let a = application::get(&state.db, order.application_id).await?;
    if a.candidate_id != me.model.id {
        return Err(not_found());
    }
    if order.status == payment::ORDER_PAID {
        return Ok(Returned::Paid);
    }
    let notice = match state.gateway.query(order_no).await {
        Ok(Some(n)) => n,
        Ok(None) => return Ok(Returned::Confirming),
        Err(e) => {
            // The gateway did not answer: its notification (or reconciliation) still books the
            // payment, and the page asks again in a moment.
            tracing::warn!(%order_no, error = %e, "payment return: gateway query failed");
            return Ok(Returned::Confirming);
        }
    };
    match payment::settle(&state.db, &notice, state.now()).await {
        Ok(Settlement::Settled { .. } | Settlement::Duplicate { .. }) => Ok(Returned::Paid),
        Ok(Settlement::RefundQueued { reason, .. }) => {
            tracing::warn!(%order_no, %reason, "payment return: booked and refund queued");
            Ok(Returned::Paid)
        }
        Err(RepoError::Db(e)) => Err(RepoError::Db(e).into()),
        Err(e) => {
            tracing::warn!(%order_no, error = %e, "payment return: the gateway's answer was refused");
            Ok(Returned::Confirming)
        }
    }
}
