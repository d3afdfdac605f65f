/*
 * The partner emails' texts: one subject and body per kind and language. {placeholders} are filled
 * from the values the sender passes; an unknown language falls back to English.
 */

export const EMAIL_KINDS = [
  'verification_requested',
  'verification_approved',
  'verification_rejected',
  'terms_to_accept',
  'client_registered',
  'client_qualified',
  'commission_approved',
  'statement_ready',
  'payout_paid',
  'payout_failed',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** Service messages are on until the partner turns them off; activity notices wait for the partner to opt in. */
export const ON_BY_DEFAULT: ReadonlySet<EmailKind> = new Set([
  'verification_requested',
  'verification_approved',
  'verification_rejected',
  'terms_to_accept',
  'statement_ready',
  'payout_paid',
  'payout_failed',
]);

export const EMAIL_LANGUAGES = ['en', 'es', 'zh', 'ar'] as const;
export type EmailLanguage = (typeof EMAIL_LANGUAGES)[number];

interface Message {
  subject: string;
  body: string;
}

export const CATALOGUE: Record<EmailKind, Record<EmailLanguage, Message>> = {
  verification_requested: {
    en: { subject: 'Action needed: verify your partner account', body: 'Hello {name},\n\nWe need documents or details to verify your partner account: {reason}\nPlease complete it in the partner portal.' },
    es: { subject: 'Acción necesaria: verifique su cuenta de socio', body: 'Hola {name},\n\nNecesitamos documentos o datos para verificar su cuenta de socio: {reason}\nComplételo en el portal de socios.' },
    zh: { subject: '需要操作：请验证您的合作伙伴账户', body: '{name}，您好：\n\n我们需要文件或信息来验证您的合作伙伴账户：{reason}\n请在合作伙伴门户中完成。' },
    ar: { subject: 'إجراء مطلوب: تحقق من حساب الشريك', body: 'مرحبًا {name}،\n\nنحتاج إلى مستندات أو بيانات للتحقق من حساب الشريك: {reason}\nيرجى إكمال ذلك في بوابة الشركاء.' },
  },
  verification_approved: {
    en: { subject: 'Your partner account is verified', body: 'Hello {name},\n\nYour partner verification was approved.' },
    es: { subject: 'Su cuenta de socio está verificada', body: 'Hola {name},\n\nSu verificación de socio fue aprobada.' },
    zh: { subject: '您的合作伙伴账户已通过验证', body: '{name}，您好：\n\n您的合作伙伴验证已获批准。' },
    ar: { subject: 'تم التحقق من حساب الشريك', body: 'مرحبًا {name}،\n\nتمت الموافقة على التحقق من حسابك كشريك.' },
  },
  verification_rejected: {
    en: { subject: 'Your partner verification was rejected', body: 'Hello {name},\n\nYour partner verification was rejected: {reason}' },
    es: { subject: 'Su verificación de socio fue rechazada', body: 'Hola {name},\n\nSu verificación de socio fue rechazada: {reason}' },
    zh: { subject: '您的合作伙伴验证被拒绝', body: '{name}，您好：\n\n您的合作伙伴验证被拒绝：{reason}' },
    ar: { subject: 'تم رفض التحقق من حساب الشريك', body: 'مرحبًا {name}،\n\nتم رفض التحقق من حسابك كشريك: {reason}' },
  },
  terms_to_accept: {
    en: { subject: 'New partner terms to accept (version {version})', body: 'Hello {name},\n\nVersion {version} of the partner terms was published. Accept it in the partner portal before your next payout.' },
    es: { subject: 'Nuevas condiciones de socio para aceptar (versión {version})', body: 'Hola {name},\n\nSe publicó la versión {version} de las condiciones de socio. Acéptela en el portal antes de su próximo pago.' },
    zh: { subject: '需要接受新的合作伙伴条款（版本 {version}）', body: '{name}，您好：\n\n合作伙伴条款第 {version} 版已发布。请在下次付款前于合作伙伴门户中接受。' },
    ar: { subject: 'شروط شراكة جديدة للموافقة (الإصدار {version})', body: 'مرحبًا {name}،\n\nتم نشر الإصدار {version} من شروط الشراكة. يرجى قبوله في بوابة الشركاء قبل الدفعة التالية.' },
  },
  client_registered: {
    en: { subject: 'A new client registered', body: 'Hello {name},\n\nClient {customer} registered through your link.' },
    es: { subject: 'Se registró un nuevo cliente', body: 'Hola {name},\n\nEl cliente {customer} se registró con su enlace.' },
    zh: { subject: '有新客户注册', body: '{name}，您好：\n\n客户 {customer} 通过您的链接注册。' },
    ar: { subject: 'تسجيل عميل جديد', body: 'مرحبًا {name}،\n\nسجّل العميل {customer} عبر رابطك.' },
  },
  client_qualified: {
    en: { subject: 'A client qualified', body: 'Hello {name},\n\nClient {customer} qualified.' },
    es: { subject: 'Un cliente calificó', body: 'Hola {name},\n\nEl cliente {customer} calificó.' },
    zh: { subject: '有客户达标', body: '{name}，您好：\n\n客户 {customer} 已达标。' },
    ar: { subject: 'تأهل عميل', body: 'مرحبًا {name}،\n\nتأهل العميل {customer}.' },
  },
  commission_approved: {
    en: { subject: 'Commission approved: {amount} {currency}', body: 'Hello {name},\n\nCommission of {amount} {currency} was approved.' },
    es: { subject: 'Comisión aprobada: {amount} {currency}', body: 'Hola {name},\n\nSe aprobó una comisión de {amount} {currency}.' },
    zh: { subject: '佣金已批准：{amount} {currency}', body: '{name}，您好：\n\n{amount} {currency} 的佣金已获批准。' },
    ar: { subject: 'تمت الموافقة على العمولة: {amount} {currency}', body: 'مرحبًا {name}،\n\nتمت الموافقة على عمولة بقيمة {amount} {currency}.' },
  },
  statement_ready: {
    en: { subject: 'Your statement for {period} is ready', body: 'Hello {name},\n\nYour statement for {period} is ready: {amount} {currency}. {hold}' },
    es: { subject: 'Su estado de cuenta de {period} está listo', body: 'Hola {name},\n\nSu estado de cuenta de {period} está listo: {amount} {currency}. {hold}' },
    zh: { subject: '您 {period} 的结算单已生成', body: '{name}，您好：\n\n您 {period} 的结算单已生成：{amount} {currency}。{hold}' },
    ar: { subject: 'كشف حسابك لفترة {period} جاهز', body: 'مرحبًا {name}،\n\nكشف حسابك لفترة {period} جاهز: {amount} {currency}. {hold}' },
  },
  payout_paid: {
    en: { subject: 'Payout sent: {amount} {currency}', body: 'Hello {name},\n\nWe paid {amount} {currency} for {period} (reference {reference}).' },
    es: { subject: 'Pago enviado: {amount} {currency}', body: 'Hola {name},\n\nPagamos {amount} {currency} por {period} (referencia {reference}).' },
    zh: { subject: '已付款：{amount} {currency}', body: '{name}，您好：\n\n我们已支付 {period} 的 {amount} {currency}（参考号 {reference}）。' },
    ar: { subject: 'تم إرسال الدفعة: {amount} {currency}', body: 'مرحبًا {name}،\n\nدفعنا {amount} {currency} عن {period} (المرجع {reference}).' },
  },
  payout_failed: {
    en: { subject: 'Payout failed: {amount} {currency}', body: 'Hello {name},\n\nYour payout of {amount} {currency} for {period} failed: {reason}. Check your payout details in the portal.' },
    es: { subject: 'Pago fallido: {amount} {currency}', body: 'Hola {name},\n\nSu pago de {amount} {currency} por {period} falló: {reason}. Revise sus datos de pago en el portal.' },
    zh: { subject: '付款失败：{amount} {currency}', body: '{name}，您好：\n\n您 {period} 的 {amount} {currency} 付款失败：{reason}。请在门户中检查您的收款信息。' },
    ar: { subject: 'فشلت الدفعة: {amount} {currency}', body: 'مرحبًا {name}،\n\nفشلت دفعتك بقيمة {amount} {currency} عن {period}: {reason}. تحقق من بيانات الدفع في البوابة.' },
  },
};

export const UNSUBSCRIBE_LINE: Record<EmailLanguage, string> = {
  en: 'Stop these emails: {url}',
  es: 'Dejar de recibir estos correos: {url}',
  zh: '退订此类邮件：{url}',
  ar: 'إيقاف هذه الرسائل: {url}',
};

export function languageOf(language: string | null | undefined): EmailLanguage {
  return (EMAIL_LANGUAGES as readonly string[]).includes(language ?? '') ? (language as EmailLanguage) : 'en';
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([a-z_]+)\}/g, (_m, key: string) => values[key] ?? '');
}

/** The subject and body of one email, in the partner's language (English when it has none of its own). */
export function renderEmail(kind: EmailKind, language: string, values: Record<string, string>, unsubscribeUrl: string): Message {
  const lang = languageOf(language);
  const m = CATALOGUE[kind][lang];
  // Header injection: a subject is one line whatever the values hold.
  const subject = fill(m.subject, values).replace(/[\r\n]+/g, ' ').slice(0, 200);
  return { subject, body: `${fill(m.body, values)}\n\n--\n${fill(UNSUBSCRIBE_LINE[lang], { url: unsubscribeUrl })}\n` };
}
