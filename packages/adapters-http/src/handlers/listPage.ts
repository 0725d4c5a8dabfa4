/**
 * One page of a list as every list route answers it: the page's rows, and where the page stands
 * among the `total` the query matched.
 */
export const listPage = <A>(
  data: ReadonlyArray<A>,
  at: { readonly page: number; readonly perPage: number },
  total: number
) => ({
  data,
  meta: { page: at.page, perPage: at.perPage, total, totalPages: Math.ceil(total / at.perPage) }
})
