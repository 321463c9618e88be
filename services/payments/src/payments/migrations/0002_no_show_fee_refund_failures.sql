-- A card on file for the no-show fee, the fee's charge, and refunds that fail
-- after the provider accepted them. Forward-only.

-- `purpose`: 'deposit' (money asked for at booking) or 'card' (a card saved for
-- the no-show fee, nothing charged; amount_minor is then the fee).
-- `no_show_fee_minor`: the spa's fee as the patient was told it (0: none).
-- `card_ref` / `customer_ref`: where the provider keeps the saved card (Stripe: the
-- SetupIntent or PaymentIntent that saved it, and its Customer).
-- `fee_ref`: the provider's charge of the fee (also kept when the card refused it).
-- `refund_attempt`: which refund of this deposit is the current one; a retry after
-- a recorded failure is a new refund with a new idempotency key.
ALTER TABLE deposits
    ADD COLUMN purpose           text    NOT NULL DEFAULT 'deposit',
    ADD COLUMN no_show_fee_minor bigint  NOT NULL DEFAULT 0 CHECK (no_show_fee_minor >= 0),
    ADD COLUMN card_ref          text,
    ADD COLUMN customer_ref      text,
    ADD COLUMN fee_ref           text,
    ADD COLUMN refund_attempt    integer NOT NULL DEFAULT 1 CHECK (refund_attempt >= 1);
CREATE INDEX deposits_refund ON deposits (refund_ref) WHERE refund_ref IS NOT NULL;

-- Refunds that failed, one row each, so a failure reported twice (Stripe sends
-- refund.failed and charge.refund.updated for the same refund) or late (after a
-- retry began) is recognised and changes nothing.
CREATE TABLE failed_refunds (
    refund_ref  text        PRIMARY KEY,
    deposit_id  uuid        NOT NULL REFERENCES deposits (id),
    attempt     integer     NOT NULL,
    reason      text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX failed_refunds_deposit ON failed_refunds (deposit_id);

-- The sandbox keeps cards as Stripe would: a session in 'setup' mode saves one, a
-- payment session asked to keep the card saves the one it was paid with. `card` is
-- the test card chosen on the page ('4242' charges, '0341' is declined when
-- charged later, '3184' needs its holder to authenticate).
ALTER TABLE sandbox_sessions
    ADD COLUMN mode      text    NOT NULL DEFAULT 'payment',
    ADD COLUMN save_card boolean NOT NULL DEFAULT false,
    ADD COLUMN card      text,
    ADD COLUMN card_ref  text UNIQUE;
CREATE TABLE sandbox_charges (
    id              text        PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    card_ref        text        NOT NULL,
    amount_minor    bigint      NOT NULL,
    currency        char(3)     NOT NULL,
    status          text        NOT NULL,
    failure_code    text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
