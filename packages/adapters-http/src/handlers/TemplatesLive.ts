import { HttpApiBuilder } from "@effect/platform"
import {
  CreateTemplate,
  DeleteTemplate,
  DuplicateTemplate,
  GetTemplate,
  ListTemplatePresets,
  ListTemplates,
  PreviewTemplate,
  PublishTemplate,
  UnpublishTemplate,
  UpdateTemplate,
  UseTemplatePreset
} from "@poststack/application"
import type { Template, TemplatePreset } from "@poststack/domain"
import { Api, CurrentPrincipal, TemplateView } from "@poststack/contract"
import { Effect } from "effect"
import { listPage } from "./listPage.js"

export const templateView = (t: Template) =>
  TemplateView.make(
    {
      id: t.id,
      publicId: t.publicId,
      name: t.name,
      subject: t.subject,
      htmlBody: t.htmlBody,
      textBody: t.textBody,
      variables: t.variables,
      builderType: t.builderType,
      builderBlocks: t.builderBlocks,
      published: t.published,
      status: t.published ? "published" : "draft",
      publishedAt: t.publishedAt,
      version: t.version,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt
    },
    { disableValidation: true }
  )

const envelope = (t: Template) => ({ template: templateView(t) })

const presetView = (p: TemplatePreset) => ({
  id: p.id,
  name: p.name,
  subject: p.subject,
  html: p.html,
  text: p.text,
  variables: p.variables
})

export const TemplatesLive = HttpApiBuilder.group(Api, "templates", (handlers) =>
  handlers
    .handle("presets", () =>
      Effect.flatMap(CurrentPrincipal, ListTemplatePresets).pipe(
        Effect.map((presets) => {
          const list = presets.map(presetView)
          return { data: list, presets: list }
        })
      )
    )
    .handle("usePreset", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UseTemplatePreset(caller, path.presetId)).pipe(
        Effect.map((t) => {
          const view = templateView(t)
          return { template: view, ...view }
        })
      )
    )
    .handle("create", ({ payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) =>
        CreateTemplate(caller, {
          name: payload.name,
          subject: payload.subject,
          html: payload.html ?? null,
          text: payload.text ?? null,
          variables: payload.variables ?? [],
          builderType: payload.builderType ?? "html",
          builderBlocks: payload.builderBlocks ?? null
        })
      ).pipe(Effect.map(envelope))
    )
    .handle("list", ({ urlParams }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        const { templates, total } = yield* ListTemplates(
          caller,
          {
            ...(urlParams.search === undefined ? {} : { search: urlParams.search }),
            ...(urlParams.published === undefined ? {} : { published: urlParams.published === "true" })
          },
          urlParams.page,
          urlParams.perPage
        )
        return listPage(templates.map(templateView), urlParams, total)
      })
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetTemplate(caller, path.id)).pipe(Effect.map(envelope))
    )
    .handle("update", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UpdateTemplate(caller, path.id, payload)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DeleteTemplate(caller, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("publish", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => PublishTemplate(caller, path.id)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("unpublish", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => UnpublishTemplate(caller, path.id)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("duplicate", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => DuplicateTemplate(caller, path.id)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("render", ({ path, payload }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => PreviewTemplate(caller, path.id, payload.variables)).pipe(
        Effect.map((r) => ({
          subject: r.subject,
          html: r.html,
          text: r.text,
          missing_variables: r.missingVariables,
          template_variables: r.templateVariables
        }))
      )
    )
)
