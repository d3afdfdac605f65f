/*
 * The MT4 and MT5 report-database tables as brokers export them to MySQL (column names and types
 * from public dumps of mt4_users/mt4_trades and mt5_users/mt5_deals), for the connector tests.
 */

export const MT4_SCHEMA = `
CREATE TABLE mt4_users (
  LOGIN int(11) NOT NULL PRIMARY KEY, \`GROUP\` char(16) NOT NULL, ENABLE int(11) NOT NULL DEFAULT 1, ENABLE_CHANGE_PASS int(11) NOT NULL DEFAULT 1,
  ENABLE_READONLY int(11) NOT NULL DEFAULT 0, ENABLE_OTP int(11) NOT NULL DEFAULT 0, PASSWORD_PHONE char(32) NOT NULL DEFAULT '',
  NAME char(128) NOT NULL, COUNTRY char(32) NOT NULL DEFAULT '', CITY char(32) NOT NULL DEFAULT '', STATE char(32) NOT NULL DEFAULT '',
  ZIPCODE char(16) NOT NULL DEFAULT '', ADDRESS char(128) NOT NULL DEFAULT '', LEAD_SOURCE char(32) NOT NULL DEFAULT '', PHONE char(32) NOT NULL DEFAULT '',
  EMAIL char(48) NOT NULL DEFAULT '', COMMENT char(64) NOT NULL DEFAULT '', ID char(32) NOT NULL DEFAULT '', STATUS char(16) NOT NULL DEFAULT '',
  REGDATE datetime NOT NULL, LASTDATE datetime NOT NULL, LEVERAGE int(11) NOT NULL, AGENT_ACCOUNT int(11) NOT NULL DEFAULT 0, TIMESTAMP int(11) NOT NULL,
  BALANCE double NOT NULL DEFAULT 0, PREVMONTHBALANCE double NOT NULL DEFAULT 0, PREVBALANCE double NOT NULL DEFAULT 0, CREDIT double NOT NULL DEFAULT 0,
  INTERESTRATE double NOT NULL DEFAULT 0, TAXES double NOT NULL DEFAULT 0, SEND_REPORTS int(11) NOT NULL DEFAULT 1, MQID int(10) unsigned NOT NULL DEFAULT 0,
  USER_COLOR int(11) NOT NULL DEFAULT 0, EQUITY double NOT NULL DEFAULT 0, MARGIN double NOT NULL DEFAULT 0, MARGIN_LEVEL double NOT NULL DEFAULT 0,
  MARGIN_FREE double NOT NULL DEFAULT 0, CURRENCY char(16) NOT NULL DEFAULT '', API_DATA blob, MODIFY_TIME datetime NOT NULL
);
CREATE TABLE mt4_trades (
  TICKET int(11) NOT NULL PRIMARY KEY, LOGIN int(11) NOT NULL, SYMBOL char(16) NOT NULL, DIGITS int(11) NOT NULL, CMD int(11) NOT NULL, VOLUME int(11) NOT NULL,
  OPEN_TIME datetime NOT NULL, OPEN_PRICE double NOT NULL, SL double NOT NULL DEFAULT 0, TP double NOT NULL DEFAULT 0, CLOSE_TIME datetime NOT NULL,
  EXPIRATION datetime NOT NULL DEFAULT '1970-01-01 00:00:00', REASON int(11) NOT NULL DEFAULT 0, CONV_RATE1 double NOT NULL DEFAULT 1, CONV_RATE2 double NOT NULL DEFAULT 1,
  COMMISSION double NOT NULL DEFAULT 0, COMMISSION_AGENT double NOT NULL DEFAULT 0, SWAPS double NOT NULL DEFAULT 0, CLOSE_PRICE double NOT NULL DEFAULT 0,
  PROFIT double NOT NULL DEFAULT 0, TAXES double NOT NULL DEFAULT 0, COMMENT char(32) NOT NULL DEFAULT '', INTERNAL_ID int(11) NOT NULL DEFAULT 0,
  MARGIN_RATE double NOT NULL DEFAULT 0, TIMESTAMP int(11) NOT NULL DEFAULT 0, MAGIC int(11) NOT NULL DEFAULT 0, GW_VOLUME int(11) NOT NULL DEFAULT 0,
  GW_OPEN_PRICE int(11) NOT NULL DEFAULT 0, GW_CLOSE_PRICE int(11) NOT NULL DEFAULT 0, MODIFY_TIME datetime NOT NULL,
  KEY INDEX_LOGIN (LOGIN), KEY INDEX_CMD (CMD), KEY INDEX_CLOSETIME (CLOSE_TIME), KEY INDEX_STAMP (TIMESTAMP)
);`;

export const MT5_SCHEMA = `
CREATE TABLE mt5_users (
  Login bigint(20) unsigned NOT NULL PRIMARY KEY, Timestamp bigint(20) NOT NULL, \`Group\` varchar(64) NOT NULL, CertSerialNumber bigint(20) unsigned NOT NULL DEFAULT 0,
  Rights bigint(20) unsigned NOT NULL DEFAULT 0, Registration datetime NOT NULL, LastAccess datetime NOT NULL, LastPassChange datetime NOT NULL DEFAULT '1970-01-01 00:00:00',
  Name varchar(128) NOT NULL DEFAULT '', Company varchar(64) NOT NULL DEFAULT '', Account varchar(32) NOT NULL DEFAULT '', Country varchar(32) NOT NULL DEFAULT '',
  Language int(10) unsigned NOT NULL DEFAULT 0, ClientID bigint(20) unsigned NOT NULL DEFAULT 0, City varchar(32) NOT NULL DEFAULT '', State varchar(32) NOT NULL DEFAULT '',
  ZipCode varchar(16) NOT NULL DEFAULT '', Address varchar(128) NOT NULL DEFAULT '', Phone varchar(32) NOT NULL DEFAULT '', Email varchar(64) NOT NULL DEFAULT '',
  ID varchar(32) NOT NULL DEFAULT '', Status varchar(16) NOT NULL DEFAULT '', Comment varchar(64) NOT NULL DEFAULT '', Color int(10) unsigned NOT NULL DEFAULT 0,
  PhonePassword varchar(32) NOT NULL DEFAULT '', Leverage int(10) unsigned NOT NULL DEFAULT 100, Agent bigint(20) unsigned NOT NULL DEFAULT 0,
  TradeAccounts varchar(128) NOT NULL DEFAULT '', LeadCampaign varchar(32) NOT NULL DEFAULT '', LeadSource varchar(32) NOT NULL DEFAULT '',
  TimestampTrade bigint(20) NOT NULL DEFAULT 0, Balance double NOT NULL DEFAULT 0, Credit double NOT NULL DEFAULT 0, InterestRate double NOT NULL DEFAULT 0,
  CommissionDaily double NOT NULL DEFAULT 0, CommissionMonthly double NOT NULL DEFAULT 0, BalancePrevDay double NOT NULL DEFAULT 0, BalancePrevMonth double NOT NULL DEFAULT 0,
  EquityPrevDay double NOT NULL DEFAULT 0, EquityPrevMonth double NOT NULL DEFAULT 0, MQID varchar(16) NOT NULL DEFAULT '', LastIP varchar(64) NOT NULL DEFAULT '', ApiData varchar(1024) NOT NULL DEFAULT ''
);
CREATE TABLE mt5_deals (
  Deal bigint(20) unsigned NOT NULL PRIMARY KEY, Timestamp bigint(20) NOT NULL, ExternalID varchar(32) NOT NULL DEFAULT '', Login bigint(20) unsigned NOT NULL,
  Dealer bigint(20) unsigned NOT NULL DEFAULT 0, \`Order\` bigint(20) unsigned NOT NULL DEFAULT 0, Action int(10) unsigned NOT NULL, Entry int(10) unsigned NOT NULL,
  Reason int(10) unsigned NOT NULL DEFAULT 0, Digits int(10) unsigned NOT NULL DEFAULT 5, DigitsCurrency int(10) unsigned NOT NULL DEFAULT 2,
  ContractSize double NOT NULL DEFAULT 100000, Time datetime NOT NULL, TimeMsc datetime(6) NOT NULL, Symbol varchar(32) NOT NULL DEFAULT '', Price double NOT NULL DEFAULT 0,
  VolumeExt bigint(20) unsigned NOT NULL DEFAULT 0, Profit double NOT NULL DEFAULT 0, Storage double NOT NULL DEFAULT 0, Commission double NOT NULL DEFAULT 0,
  RateProfit double NOT NULL DEFAULT 1, RateMargin double NOT NULL DEFAULT 1, ExpertID bigint(20) unsigned NOT NULL DEFAULT 0, PositionID bigint(20) unsigned NOT NULL DEFAULT 0,
  Comment varchar(32) NOT NULL DEFAULT '', ProfitRaw double NOT NULL DEFAULT 0, PricePosition double NOT NULL DEFAULT 0, VolumeClosedExt bigint(20) unsigned NOT NULL DEFAULT 0,
  TickValue double NOT NULL DEFAULT 0, TickSize double NOT NULL DEFAULT 0, Flags bigint(20) unsigned NOT NULL DEFAULT 0, Gateway varchar(16) NOT NULL DEFAULT '',
  PriceGateway double NOT NULL DEFAULT 0, ModifyFlags int(10) unsigned NOT NULL DEFAULT 0, Volume bigint(20) unsigned NOT NULL DEFAULT 0,
  VolumeClosed bigint(20) unsigned NOT NULL DEFAULT 0, ApiData varchar(1024) NOT NULL DEFAULT '',
  KEY IDX_LOGIN (Login), KEY IDX_POSITION (PositionID)
);`;
