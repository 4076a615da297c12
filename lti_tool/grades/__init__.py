"""Grades: every grade a feature releases reaches the LMS gradebook, once, in order.

A feature calls ``GradeService(session).release(...)`` inside its own transaction
(``lti_tool.grades.service``); the grade is written to an outbox table
(``lti_tool.grades.models.GradeDelivery``) and delivered through LTI Advantage AGS
by the job queue (``lti_tool.grades.jobs``) after the caller commits.
"""
