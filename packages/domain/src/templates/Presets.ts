/** A ready-made template a team can start from. */
export interface TemplatePreset {
  readonly id: string
  readonly name: string
  readonly subject: string
  readonly html: string
  readonly text: string
  readonly variables: ReadonlyArray<string>
}

const page = (body: string) =>
  `<!doctype html><html><body style="margin:0;padding:24px;background:#f4f4f5;font-family:Arial,sans-serif">` +
  `<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">` +
  `<table role="presentation" width="100%" style="max-width:600px;background:#ffffff;border-radius:8px" cellpadding="24" cellspacing="0"><tr><td style="font-size:16px;line-height:1.5;color:#18181b">` +
  `${body}</td></tr></table></td></tr></table></body></html>`

const button = (href: string, label: string) =>
  `<p><a href="${href}" style="display:inline-block;padding:12px 20px;background:#2563eb;color:#ffffff;border-radius:6px;text-decoration:none">${label}</a></p>`

/** The presets, by id: welcome, password reset, receipt, newsletter. */
export const TEMPLATE_PRESETS: ReadonlyArray<TemplatePreset> = [
  {
    id: "welcome",
    name: "Welcome",
    subject: "Welcome to {{ product_name }}, {{ first_name }}",
    html: page(
      `<h1 style="font-size:24px">Welcome, {{ first_name }}!</h1><p>Thanks for joining {{ product_name }}. Your account is ready.</p>${button("{{ action_url }}", "Get started")}`
    ),
    text: "Welcome, {{ first_name }}!\n\nThanks for joining {{ product_name }}. Your account is ready.\n\nGet started: {{ action_url }}\n",
    variables: ["first_name", "product_name", "action_url"]
  },
  {
    id: "password-reset",
    name: "Password reset",
    subject: "Reset your {{ product_name }} password",
    html: page(
      `<h1 style="font-size:24px">Reset your password</h1><p>Someone asked to reset the password of your {{ product_name }} account. If it was you, choose a new one:</p>${button("{{ reset_url }}", "Choose a new password")}<p style="color:#52525b">The link expires in {{ expires_in }}. If you did not ask, ignore this email.</p>`
    ),
    text: "Reset your password\n\nSomeone asked to reset the password of your {{ product_name }} account. If it was you, choose a new one:\n{{ reset_url }}\n\nThe link expires in {{ expires_in }}. If you did not ask, ignore this email.\n",
    variables: ["product_name", "reset_url", "expires_in"]
  },
  {
    id: "receipt",
    name: "Receipt",
    subject: "Your receipt {{ receipt_number }}",
    html: page(
      `<h1 style="font-size:24px">Thanks for your purchase</h1><p>Receipt {{ receipt_number }}, {{ date }}</p><table role="presentation" width="100%" cellpadding="8" style="border-collapse:collapse"><tr><td style="border-bottom:1px solid #e4e4e7">{{ description }}</td><td align="right" style="border-bottom:1px solid #e4e4e7">{{ amount }}</td></tr><tr><td><strong>Total</strong></td><td align="right"><strong>{{ total }}</strong></td></tr></table>`
    ),
    text: "Thanks for your purchase\n\nReceipt {{ receipt_number }}, {{ date }}\n{{ description }}: {{ amount }}\nTotal: {{ total }}\n",
    variables: ["receipt_number", "date", "description", "amount", "total"]
  },
  {
    id: "newsletter",
    name: "Newsletter",
    subject: "{{ headline }}",
    html: page(
      `<h1 style="font-size:24px">{{ headline }}</h1><p>{{ intro }}</p>${button("{{ article_url }}", "Read more")}<p style="color:#71717a;font-size:12px">You receive this because you subscribed to {{ product_name }}.</p>`
    ),
    text: "{{ headline }}\n\n{{ intro }}\n\nRead more: {{ article_url }}\n\nYou receive this because you subscribed to {{ product_name }}.\n",
    variables: ["headline", "intro", "article_url", "product_name"]
  }
]

export const presetById = (id: string): TemplatePreset | undefined =>
  TEMPLATE_PRESETS.find((p) => p.id === id.replaceAll("_", "-"))
