import { Link, PageTitle } from "../ui"

export const NotFoundPage = () => (
  <section>
    <PageTitle>Page not found</PageTitle>
    <p>
      There is no page here. <Link href="/app/api-keys">Go to your API keys</Link>.
    </p>
  </section>
)
