-- A card-on-file link kept for a calm moment, and since when (the link itself is in the
-- encrypted state): the sweeper finds the ones whose patient never wrote again.
ALTER TABLE conversations ADD COLUMN card_link_kept_at timestamptz;
CREATE INDEX conversations_card_link ON conversations (card_link_kept_at)
    WHERE card_link_kept_at IS NOT NULL AND status = 'open';
