-- Two more reasons an item is hidden from everyone but its uploader, kept
-- apart from hidden_reason (owner_deleted) because they come and go on
-- their own and an item can have several at once:
--
-- review: WeChat content security (mediaCheckAsync), set only when the
-- deployment checks content (MEDIA_WECHAT_MEDIA_CHECK). NULL: no check
-- was required. 'pending' until the result arrives, then 'pass' or
-- 'risky'; 'unchecked' when the result never came after every try, or
-- 'unchecked_open' when the deployment fails open on that. Hidden while
-- pending, risky or unchecked (upload/access.go, ReviewHides).
--
-- report_hold: set when reports hold the item back until its uploader
-- acts: an unanswered removal request ('shows_me') past the grace period,
-- or several 'inappropriate' reports from distinct users. NULL: none.
ALTER TABLE media ADD COLUMN review text
    CHECK (review IN ('pending', 'pass', 'risky', 'unchecked', 'unchecked_open'));
ALTER TABLE media ADD COLUMN report_hold text
    CHECK (report_hold IN ('shows_me', 'inappropriate'));
