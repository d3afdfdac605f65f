/*
 * <openib-widget embed-token="…" api-base="https://openib.example" refresh-callback="getOpenibToken" locale="es">
 *
 * One partner's figures inside the broker's own client area: KPI cards (this month against the same
 * days of the month before), the partner's invite link with a copy button and a QR code, and a
 * 30-day mini chart. Served by OpenIB as /widget.js; plain JavaScript, no build step, no
 * dependencies. The embed token comes from the broker's server (POST /api/v1/embed-tokens), never
 * from an API secret in the page.
 *
 * Before the token expires the widget asks the page for a new one: the `onTokenRefresh` property (a
 * function returning a Promise of the new token) or, by name, the global function given in the
 * `refresh-callback` attribute. Without either, an expired token shows a message and no figures.
 *
 * The widget speaks English, Spanish, Simplified Chinese and Arabic (right to left): the `locale`
 * attribute chooses (a BCP 47 tag such as "es", "zh-CN", "ar"), else the browser's language; numbers
 * and dates follow the same locale.
 *
 * Amounts arrive as decimal strings and are formatted by Intl.NumberFormat from those strings, so
 * no figure passes through a floating-point number on its way to the screen.
 */
(() => {
  if (typeof customElements === 'undefined' || customElements.get('openib-widget')) return;

  // The widget's languages (a plain object: the widget has no build step). test/web/i18n-messages.test.ts checks that every
  // language has every key and that every key the widget uses exists.
  /* i18n:start */
  const MESSAGES = {
    "en": {
      "clicks": "Clicks",
      "registrations": "Registrations",
      "ftd_count": "First deposits",
      "ftd_amount": "First deposit amount",
      "deposits": "Deposits",
      "withdrawals": "Withdrawals",
      "net_deposits": "Net deposits",
      "lots": "Lots traded",
      "notional": "Volume",
      "commission_pending": "Earnings (pending)",
      "commission_approved": "Earnings (approved)",
      "commission_paid": "Earnings (paid)",
      "commission_reversed": "Earnings reversed",
      "loading": "Loading partner statistics…",
      "noToken": "This statistics view needs to be opened again: it has no access token.",
      "expired": "This statistics view has expired. Reload the page to see your latest figures.",
      "unreachable": "Partner statistics are not reachable right now; try again in a moment.",
      "denied": "This statistics view could not be authorised. Reload the page; if it keeps happening, contact support.",
      "failed": "Partner statistics could not be loaded; try again later.",
      "sameAsLastMonth": "same as last month",
      "newThisMonth": "new this month",
      "vsLastMonth": "{change} vs last month",
      "lastDays": "{metric}, last {days} days",
      "noInvite": "No invite link yet.",
      "copyLink": "Copy link",
      "copied": "Copied",
      "pressCopy": "Press Ctrl+C to copy",
      "qrOf": "QR code of {url}",
      "yourInvite": "Your invite link"
    },
    "es": {
      "clicks": "Clics",
      "registrations": "Registros",
      "ftd_count": "Primeros depósitos",
      "ftd_amount": "Importe de primeros depósitos",
      "deposits": "Depósitos",
      "withdrawals": "Retiradas",
      "net_deposits": "Depósitos netos",
      "lots": "Lotes operados",
      "notional": "Volumen",
      "commission_pending": "Ganancias (pendientes)",
      "commission_approved": "Ganancias (aprobadas)",
      "commission_paid": "Ganancias (pagadas)",
      "commission_reversed": "Ganancias revertidas",
      "loading": "Cargando estadísticas del socio…",
      "noToken": "Vuelva a abrir esta vista de estadísticas: no tiene token de acceso.",
      "expired": "Esta vista de estadísticas ha caducado. Recargue la página para ver sus cifras más recientes.",
      "unreachable": "Las estadísticas no están disponibles ahora; inténtelo de nuevo en un momento.",
      "denied": "No se pudo autorizar esta vista de estadísticas. Recargue la página; si sigue ocurriendo, contacte con soporte.",
      "failed": "No se pudieron cargar las estadísticas; inténtelo más tarde.",
      "sameAsLastMonth": "igual que el mes pasado",
      "newThisMonth": "nuevo este mes",
      "vsLastMonth": "{change} frente al mes pasado",
      "lastDays": "{metric}, últimos {days} días",
      "noInvite": "Aún no hay enlace de invitación.",
      "copyLink": "Copiar enlace",
      "copied": "Copiado",
      "pressCopy": "Pulse Ctrl+C para copiar",
      "qrOf": "Código QR de {url}",
      "yourInvite": "Su enlace de invitación"
    },
    "zh-CN": {
      "clicks": "点击",
      "registrations": "注册",
      "ftd_count": "首次入金",
      "ftd_amount": "首次入金金额",
      "deposits": "入金",
      "withdrawals": "出金",
      "net_deposits": "净入金",
      "lots": "交易手数",
      "notional": "交易量",
      "commission_pending": "收益（待定）",
      "commission_approved": "收益（已批准）",
      "commission_paid": "收益（已支付）",
      "commission_reversed": "已冲销收益",
      "loading": "正在加载合作伙伴统计…",
      "noToken": "需要重新打开此统计视图：缺少访问令牌。",
      "expired": "此统计视图已过期。请重新加载页面以查看最新数据。",
      "unreachable": "暂时无法获取合作伙伴统计，请稍后重试。",
      "denied": "无法授权此统计视图。请重新加载页面；如果问题持续，请联系支持。",
      "failed": "无法加载合作伙伴统计，请稍后重试。",
      "sameAsLastMonth": "与上月持平",
      "newThisMonth": "本月新增",
      "vsLastMonth": "较上月 {change}",
      "lastDays": "{metric}，最近 {days} 天",
      "noInvite": "还没有邀请链接。",
      "copyLink": "复制链接",
      "copied": "已复制",
      "pressCopy": "按 Ctrl+C 复制",
      "qrOf": "{url} 的二维码",
      "yourInvite": "您的邀请链接"
    },
    "ar": {
      "clicks": "النقرات",
      "registrations": "التسجيلات",
      "ftd_count": "الإيداعات الأولى",
      "ftd_amount": "مبلغ الإيداعات الأولى",
      "deposits": "الإيداعات",
      "withdrawals": "السحوبات",
      "net_deposits": "صافي الإيداعات",
      "lots": "اللوتات المتداولة",
      "notional": "الحجم",
      "commission_pending": "الأرباح (معلّقة)",
      "commission_approved": "الأرباح (معتمدة)",
      "commission_paid": "الأرباح (مدفوعة)",
      "commission_reversed": "الأرباح المعكوسة",
      "loading": "جارٍ تحميل إحصاءات الشريك…",
      "noToken": "يجب فتح عرض الإحصاءات هذا من جديد: لا يحمل رمز وصول.",
      "expired": "انتهت صلاحية عرض الإحصاءات هذا. أعد تحميل الصفحة لترى أحدث أرقامك.",
      "unreachable": "إحصاءات الشريك غير متاحة الآن؛ أعد المحاولة بعد قليل.",
      "denied": "تعذّر تفويض عرض الإحصاءات هذا. أعد تحميل الصفحة؛ وإن تكرر ذلك فاتصل بالدعم.",
      "failed": "تعذّر تحميل إحصاءات الشريك؛ أعد المحاولة لاحقًا.",
      "sameAsLastMonth": "مثل الشهر الماضي",
      "newThisMonth": "جديد هذا الشهر",
      "vsLastMonth": "{change} مقارنة بالشهر الماضي",
      "lastDays": "{metric}، آخر {days} يومًا",
      "noInvite": "لا يوجد رابط دعوة بعد.",
      "copyLink": "نسخ الرابط",
      "copied": "تم النسخ",
      "pressCopy": "اضغط Ctrl+C للنسخ",
      "qrOf": "رمز QR لـ {url}",
      "yourInvite": "رابط الدعوة الخاص بك"
    }
  };
  /* i18n:end */
  const RTL = ['ar'];

  /** The widget's language from a locale (the `locale` attribute or the browser's): one it speaks, else English. */
  function languageOf(locale) {
    const lower = String(locale || '').toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    const base = lower.split('-')[0];
    return Object.prototype.hasOwnProperty.call(MESSAGES, base) ? base : 'en';
  }
  const COUNTS = ['clicks', 'registrations', 'ftd_count'];
  const VOLUMES = ['lots'];
  // Refresh this long before expiry (or at half the lifetime of a short token).
  const REFRESH_AHEAD_MS = 60_000;

  const STYLE = `
    :host { display: block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; }
    .card { border: 1px solid #dfe3ea; border-radius: 12px; padding: 16px; background: #fff; max-width: 960px; box-sizing: border-box; }
    header { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; flex-wrap: wrap; margin-bottom: 12px; }
    h2 { font-size: 16px; margin: 0; }
    .period { color: #5b6577; font-size: 12px; }
    .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px; margin-bottom: 12px; }
    .kpi { background: #f6f8fb; border-radius: 8px; padding: 10px; min-width: 0; }
    .kpi .label { color: #5b6577; font-size: 12px; }
    .kpi .value { font-size: 17px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .kpi .delta { font-size: 12px; }
    .up { color: #127a3b; } .down { color: #b3261e; } .flat { color: #5b6577; }
    .bottom { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 12px; align-items: start; }
    @media (max-width: 520px) { .bottom { grid-template-columns: 1fr; } }
    .chart svg { width: 100%; height: 80px; display: block; }
    .chart .caption { color: #5b6577; font-size: 12px; }
    .invite { display: flex; flex-direction: column; gap: 6px; align-items: flex-start; max-width: 240px; }
    .invite .url { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; }
    .invite img { width: 128px; height: 128px; image-rendering: pixelated; border: 1px solid #dfe3ea; border-radius: 6px; }
    button { font: inherit; font-size: 12px; padding: 4px 10px; border-radius: 6px; border: 1px solid #9aa5b8; background: #fff; cursor: pointer; }
    button:focus-visible { outline: 2px solid #2f6fed; outline-offset: 2px; }
    .message { padding: 12px; border-radius: 8px; background: #fff4e5; color: #663c00; }
    .message.error { background: #fdecea; color: #611a15; }
    .loading { color: #5b6577; }
    .card[dir='rtl'] .invite .url { direction: ltr; unicode-bidi: isolate; }
  `;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  /** The exp claim of a JWT, in milliseconds; undefined when it cannot be read (the server decides anyway). */
  function expiryOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const exp = JSON.parse(atob(part + '==='.slice((part.length + 3) % 4))).exp;
      return typeof exp === 'number' ? exp * 1000 : undefined;
    } catch {
      return undefined;
    }
  }

  class OpenIBWidget extends HTMLElement {
    static get observedAttributes() {
      return ['embed-token', 'api-base'];
    }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      /** Set by the page: () => Promise<string>, answering a fresh embed token from the broker's server. */
      this.onTokenRefresh = this.onTokenRefresh || null;
      this._token = null;
      this._timer = null;
      this._generation = 0;
      this._settingToken = false;
    }

    connectedCallback() {
      this._setState('loading');
      this._show(el('div', { class: 'loading', role: 'status' }, this._t('loading')));
      this._load(false);
    }

    disconnectedCallback() {
      clearTimeout(this._timer);
      this._generation++;
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (!this.isConnected || oldValue === newValue || this._settingToken) return;
      if (name === 'embed-token') this._token = null;
      this._load(false);
    }

    get _apiBase() {
      const given = this.getAttribute('api-base');
      if (given) return given.replace(/\/+$/, '');
      const script = document.querySelector('script[src$="/widget.js"]');
      return script ? new URL(script.src).origin : '';
    }

    get _locale() {
      return this.getAttribute('locale') || navigator.language || 'en';
    }

    /** A message in the widget's language, with {name} placeholders filled in. */
    _t(key, values) {
      const messages = MESSAGES[languageOf(this._locale)];
      const text = messages[key] ?? MESSAGES.en[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? String(values[name]) : `{${name}}`));
    }

    _currentToken() {
      return this._token || this.getAttribute('embed-token') || '';
    }

    _refreshFunction() {
      if (typeof this.onTokenRefresh === 'function') return this.onTokenRefresh;
      const name = this.getAttribute('refresh-callback');
      if (name && /^[A-Za-z_$][\w$]*$/.test(name) && typeof window[name] === 'function') return window[name];
      return null;
    }

    /** Asks the page for a new token; answers it, or null when the page has none to give. */
    async _refreshToken() {
      const refresh = this._refreshFunction();
      if (!refresh) return null;
      try {
        const token = await refresh.call(window, this);
        if (typeof token !== 'string' || !token) return null;
        this._token = token;
        this._settingToken = true;
        try {
          this.setAttribute('embed-token', token);
        } finally {
          this._settingToken = false;
        }
        return token;
      } catch {
        return null;
      }
    }

    async _load(afterRefresh) {
      const generation = ++this._generation;
      clearTimeout(this._timer);
      const token = this._currentToken();
      if (!token) return this._fail('expired', this._t('noToken'));
      const exp = expiryOf(token);
      if (exp !== undefined && exp <= Date.now() && !afterRefresh) {
        if (await this._refreshToken()) return this._load(true);
        return this._fail('expired', this._t('expired'));
      }
      let res;
      try {
        res = await fetch(`${this._apiBase}/api/v1/embed/widget`, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' });
      } catch {
        if (generation === this._generation) this._fail('error', this._t('unreachable'));
        return;
      }
      if (generation !== this._generation) return;
      if (res.status === 401) {
        const body = await res.json().catch(() => ({}));
        const code = body && body.error && body.error.code;
        if (!afterRefresh && (await this._refreshToken())) return this._load(true);
        if (code === 'token_expired') return this._fail('expired', this._t('expired'));
        return this._fail('denied', this._t('denied'));
      }
      if (!res.ok) return this._fail('error', this._t('failed'));
      const data = await res.json();
      if (generation !== this._generation) return;
      this._render(data);
      this._schedule(token);
    }

    _schedule(token) {
      const exp = expiryOf(token);
      if (exp === undefined) return;
      const left = exp - Date.now();
      const generation = this._generation;
      if (this._refreshFunction()) {
        const wait = Math.max(1000, Math.min(left - REFRESH_AHEAD_MS, left / 2));
        this._timer = setTimeout(async () => {
          if (generation !== this._generation) return;
          if (await this._refreshToken()) this._load(true);
          else this._timer = setTimeout(() => this._expire(generation), Math.max(0, exp - Date.now()));
        }, wait);
      } else {
        this._timer = setTimeout(() => this._expire(generation), Math.max(0, left));
      }
    }

    _expire(generation) {
      if (generation !== this._generation) return;
      this._fail('expired', this._t('expired'));
    }

    _setState(state) {
      this.setAttribute('data-state', state);
    }

    _show(...nodes) {
      const root = this.shadowRoot;
      const lang = languageOf(this._locale);
      root.replaceChildren(el('style', {}, STYLE), el('div', { class: 'card', part: 'card', lang, dir: RTL.includes(lang) ? 'rtl' : 'ltr' }, ...nodes));
    }

    _fail(state, message) {
      clearTimeout(this._timer);
      this._setState(state);
      this._show(el('div', { class: state === 'error' ? 'message error' : 'message', role: 'alert', part: 'message' }, message));
      this.dispatchEvent(new CustomEvent('openib-widget-error', { detail: { state, message }, bubbles: true, composed: true }));
    }

    _format(metric, value, currency) {
      const locale = this._locale;
      if (COUNTS.includes(metric)) return new Intl.NumberFormat(locale).format(String(value));
      if (VOLUMES.includes(metric)) return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(String(value));
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(String(value));
    }

    _delta(kpi) {
      if (kpi.percent === null) {
        const none = String(kpi.delta).replace(/^-/, '').replace(/[0.]/g, '') === '';
        return el('span', { class: 'delta flat' }, none ? this._t('sameAsLastMonth') : this._t('newThisMonth'));
      }
      const negative = String(kpi.percent).startsWith('-');
      const zero = /^-?0(\.0+)?$/.test(String(kpi.percent));
      const shown = new Intl.NumberFormat(this._locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(String(kpi.percent));
      return el('span', { class: `delta ${zero ? 'flat' : negative ? 'down' : 'up'}` }, this._t('vsLastMonth', { change: `${shown}%` }));
    }

    _chart(series) {
      const NS = 'http://www.w3.org/2000/svg';
      const points = series.points || [];
      const svg = document.createElementNS(NS, 'svg');
      svg.setAttribute('viewBox', '0 0 300 80');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('role', 'img');
      // Only the drawing uses binary numbers; every figure shown as text stays a decimal string.
      const values = points.map((p) => Number(p.value));
      const max = Math.max(0, ...values);
      const min = Math.min(0, ...values);
      const span = max - min || 1;
      const step = points.length > 1 ? 300 / (points.length - 1) : 0;
      const y = (v) => (76 - ((v - min) / span) * 72).toFixed(2);
      const base = document.createElementNS(NS, 'line');
      for (const [k, v] of Object.entries({ x1: 0, x2: 300, y1: y(0), y2: y(0), stroke: '#dfe3ea', 'stroke-width': 1 })) base.setAttribute(k, String(v));
      const line = document.createElementNS(NS, 'polyline');
      line.setAttribute('points', values.map((v, i) => `${(i * step).toFixed(2)},${y(v)}`).join(' '));
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', '#2f6fed');
      line.setAttribute('stroke-width', '2');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      svg.append(base, line);
      const label = this._t('lastDays', { metric: this._t(series.metric), days: points.length });
      svg.setAttribute('aria-label', label);
      return el('div', { class: 'chart' }, svg, el('div', { class: 'caption' }, label));
    }

    _invite(link) {
      if (!link) return el('div', { class: 'invite' }, el('div', { class: 'period' }, this._t('noInvite')));
      const copy = el('button', { type: 'button', part: 'copy' }, this._t('copyLink'));
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(link.url);
          copy.textContent = this._t('copied');
        } catch {
          const range = document.createRange();
          range.selectNodeContents(url);
          const selection = getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          copy.textContent = this._t('pressCopy');
        }
        setTimeout(() => (copy.textContent = this._t('copyLink')), 2000);
      });
      const url = el('a', { class: 'url', href: link.url, target: '_blank', rel: 'noopener noreferrer', part: 'invite-url' }, link.url);
      // An <img> of the SVG: markup from the server is displayed, never inserted into the page.
      const qr = el('img', { alt: this._t('qrOf', { url: link.url }), src: `data:image/svg+xml;base64,${btoa(link.qr_svg)}`, part: 'qr' });
      return el('div', { class: 'invite' }, el('strong', {}, this._t('yourInvite')), url, copy, qr);
    }

    _render(data) {
      const kpis = el('div', { class: 'kpis' });
      for (const metric of data.highlights) {
        const kpi = data.kpis[metric];
        if (!kpi) continue;
        kpis.append(
          el(
            'div',
            { class: 'kpi', 'data-metric': metric },
            el('div', { class: 'label' }, this._t(metric)),
            el('div', { class: 'value' }, this._format(metric, kpi.value, data.currency)),
            this._delta(kpi),
          ),
        );
      }
      // Business dates in the widget's language, as those calendar days (never shifted by the viewer's zone).
      const day = (d) => {
        const date = new Date(`${String(d).slice(0, 10)}T00:00:00Z`);
        return Number.isNaN(date.getTime()) ? d : new Intl.DateTimeFormat(this._locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
      };
      const period = `${day(data.period.from)} – ${day(data.period.to)} (${data.time_zone})`;
      this._show(
        el('header', {}, el('h2', { part: 'title' }, data.partner.name), el('span', { class: 'period' }, period)),
        kpis,
        el('div', { class: 'bottom' }, this._chart(data.series), this._invite(data.invite_link)),
      );
      this._setState('ready');
      this.dispatchEvent(new CustomEvent('openib-widget-ready', { detail: { partner_id: data.partner.id }, bubbles: true, composed: true }));
    }
  }

  customElements.define('openib-widget', OpenIBWidget);
})();
