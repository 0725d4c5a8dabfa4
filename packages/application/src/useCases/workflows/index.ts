export * from "./ManageWorkflows.js"
export * from "./WorkflowGraphs.js"
export * from "./EnrolContacts.js"
export * from "./RunWorkflowSteps.js"
