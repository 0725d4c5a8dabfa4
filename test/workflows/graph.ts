/** A workflow graph's node, as `PUT /workflows/:id/graph` takes it (placed at the canvas origin). */
export const node = (public_id: string, type: string, config: unknown = {}) => ({
  public_id,
  type,
  config,
  canvas_x: 0,
  canvas_y: 0
})

/** An edge between two nodes, with the condition branch it leaves by, if any. */
export const edge = (from: string, to: string, branch: string | null = null) => ({
  from_public_id: from,
  to_public_id: to,
  branch
})
