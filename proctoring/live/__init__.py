"""The live invigilator: the dashboard (server-sent events), messages, actions with reasons, ending
with a second person, allocation and hand-over."""
