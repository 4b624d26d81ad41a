// Package routing is Switchboard's routing policy: contact owner-based routing, standard
// assignment (automation rules, default assignment, round robin), the owner/assignee sync of a
// person's actions, the team-mismatch prompt, and who may change routing settings.
//
// The rules, in short (docs/routing.md has them in full with a worked example for each):
//
//  1. An open conversation with a human assignee keeps it; with routing on, the owner follows
//     the assignee.
//  2. With routing on, a contact's owner gets a new, reopened or unattended conversation back:
//     at once if the owner is in the conversation's team (2a), otherwise a team-mismatch prompt
//     is raised and the conversation waits unassigned (2b). A declined prompt hands the
//     conversation to Bot until it is closed.
//  3. Otherwise standard assignment runs: automation rules in order (first match wins), then
//     default assignment, with round robin inside the team when it is on.
//
// With routing off, ownership is never read or written by routing; with it on, changing the
// assignee changes the owner and the other way round.
//
// The package owns decisions only. It does no I/O, reads no clock (times come in with the
// event), keeps no globals and starts no goroutines: the same workspace and event always give
// the same Decision. Applying a decision, persisting it and telling people about it is the
// inbox package's job.
package routing
