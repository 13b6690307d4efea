"""The API's OpenAPI 3.1 document, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from assistant.records.models import ALERT_STATUSES, CHECKIN_STATUSES, MAX_ROW_ID

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_BAD = {"description": "What is wrong with the request; nothing was written",
        "content": {"application/json": {"schema": _ERROR}}}
_UNAUTHORISED = {"description": "No valid API token",
                 "content": {"application/json": {"schema": _ERROR}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Carecall API", "version": "1",
             "description": "Record discharges and readmissions, cancel follow-up, read "
                            "alerts and check-ins."},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Discharge": {
                "type": "object", "additionalProperties": False,
                "required": ["name", "dob", "phone", "discharged", "flow"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "dob": {"type": "string", "format": "date"},
                    "phone": {"type": "string"},
                    "discharged": {"type": "string", "description": "ISO 8601 date-time"},
                    "flow": {"type": "string"},
                    "lang": {"type": "string", "enum": ["en", "es"]},
                    "tz": {"type": "string"},
                    "appointment": {"type": "string",
                                    "description": "The follow-up visit, ISO 8601 date-time"},
                    "appointment_with": {"type": "string", "maxLength": 200,
                                         "description": "Who the visit is with, e.g. Dr. Lee "
                                         "(needs appointment)"},
                    "appointment_at_place": {"type": "string", "maxLength": 200,
                                             "description": "Where the visit is, e.g. Main "
                                             "Street Clinic (needs appointment)"},
                    "discharge_weight": {"type": "string"},
                    "mrn": {"type": "string", "description": "The hospital's medical record "
                            "number: with visit_number, a resend is recognised"},
                    "mrn_authority": {"type": "string",
                                      "description": "Who assigned the MRN (PID-3.4)"},
                    "visit_number": {"type": "string",
                                     "description": "The stay's encounter number (PV1-19)"},
                    "caregivers": {"type": "array", "description": "People close to the "
                                   "patient; one already on record (same phone, else same "
                                   "name and relationship) is updated, not added again",
                                   "items": {"$ref": "#/components/schemas/Caregiver"}},
                    "diagnoses": {"type": "array", "maxItems": 30,
                                  "description": "The stay's diagnoses, each an ICD-10 code, "
                                  "words or both (\"I50.22 Chronic systolic heart failure\"); "
                                  "left out, those on record are kept",
                                  "items": {"type": "string", "minLength": 1,
                                            "maxLength": 200}},
                    "pcp": {"$ref": "#/components/schemas/CareContact",
                            "description": "The patient's primary care provider"},
                    "pharmacy": {"$ref": "#/components/schemas/CareContact",
                                 "description": "The patient's pharmacy"},
                    "medications": {"type": "array", "items": {
                        "type": "object", "required": ["name", "change"],
                        "properties": {"name": {"type": "string"},
                                       "change": {"type": "string",
                                                  "enum": ["new", "changed", "stopped",
                                                           "held", "unchanged"]},
                                       "dose": {"type": "string"},
                                       "high_risk": {"type": "boolean"}}}},
                },
            },
            "Readmission": {
                "type": "object", "additionalProperties": False, "required": ["admitted_at"],
                "description": "The patient by mrn (with mrn_authority when the hospital has "
                               "several) or by patient_id, one of them",
                "properties": {
                    "mrn": {"type": "string", "description": "The hospital's medical record "
                            "number (PID-3)"},
                    "mrn_authority": {"type": "string",
                                      "description": "Who assigned the MRN (PID-3.4)"},
                    "patient_id": _ID,
                    "admitted_at": {"type": "string", "description": "ISO 8601 date-time; "
                                    "without an offset, the patient's local time"},
                    "visit_number": {"type": "string", "description": "The admission's "
                                     "encounter number (PV1-19): the same one again is the "
                                     "same admission"},
                },
            },
            "ReadmissionRecorded": {
                "type": "object",
                "required": ["outcome", "id", "patient_id", "index_episode_id",
                             "days_after_discharge", "admitted_at", "checkins_cancelled"],
                "properties": {
                    "outcome": {"type": "string", "enum": ["created", "unchanged", "updated"]},
                    "id": {"type": "integer"}, "patient_id": {"type": "integer"},
                    "index_episode_id": {"type": ["integer", "null"], "description": "The "
                                         "stay it follows: the patient's latest discharge "
                                         "before the admission (null: none of ours)"},
                    "days_after_discharge": {"type": ["integer", "null"],
                                             "description": "Calendar days from that discharge, "
                                                            "on the patient's clock (the "
                                                            "discharge day is day 0)"},
                    "admitted_at": {"type": "string"},
                    "visit_number": {"type": ["string", "null"]},
                    "source": {"type": "string", "enum": ["hl7", "api", "discharge"]},
                    "checkins_cancelled": {"type": "integer", "description": "Follow-up of "
                                           "the stays before the admission, stopped now"},
                },
            },
            "CareContact": {
                "type": "object", "additionalProperties": False, "required": ["name"],
                "description": "Shown on the patient page; left out, the one on record is kept",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "phone": {"type": "string", "description": "The number the nurse calls"},
                },
            },
            "Caregiver": {
                "type": "object", "additionalProperties": False,
                "required": ["name", "relationship"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "relationship": {"type": "string", "minLength": 1, "maxLength": 64,
                                     "description": "daughter, husband, friend..."},
                    "phone": {"type": "string", "description": "Mobile number; a proxy "
                              "needs one"},
                    "language": {"type": "string", "enum": ["en", "es"],
                                 "description": "Default: the patient's"},
                    "consent": {"type": "boolean", "description": "The patient agrees that "
                                "this person may hear about their health"},
                    "proxy": {"type": "boolean", "description": "Answers the check-ins for "
                              "the patient (needs consent)"},
                },
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/discharges": {"post": {
            "summary": "Record a discharge and schedule its check-ins",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Discharge"}}}},
            "responses": {"201": {"description": "A new stay: the episode, its planned "
                                             "check-ins, the patient's caregivers on record, "
                                             "and warnings (a late discharge, a "
                                             "landline, the episode it replaces, a shared "
                                             "phone)"},
                          "200": {"description": "The same MRN and visit again: `outcome` is "
                                                 "`unchanged`, or `updated` with `changes` "
                                                 "(what is still to come is re-planned)"},
                          "400": _BAD, "401": _UNAUTHORISED}}},
        "/api/v1/episodes/{episode_id}/cancel": {"post": {
            "summary": "Cancel what is scheduled for an episode",
            "parameters": [{"name": "episode_id", "in": "path", "required": True,
                            "schema": _ID}],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"reason": {
                    "type": "string", "enum": ["manual", "readmitted", "death"]}}}}}},
            "responses": {"200": {"description": "How many check-ins were cancelled"},
                          "400": _BAD, "401": _UNAUTHORISED,
                          "404": {"description": "No such episode"}}}},
        "/api/v1/readmissions": {"post": {
            "summary": "Record an admission (a readmission, for the reports) and stop the "
                       "follow-up of the stays before it",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Readmission"}}}},
            "responses": {"201": {"description": "Recorded, tied to the stay it follows",
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/ReadmissionRecorded"}}}},
                          "200": {"description": "This admission (the same visit number, or "
                                                 "without one the same time) was on record "
                                                 "already: `unchanged`, or `updated` when it "
                                                 "was dated by its discharge until now",
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/ReadmissionRecorded"}}}},
                          "400": _BAD, "401": _UNAUTHORISED,
                          "404": {"description": "No such patient",
                                  "content": {"application/json": {"schema": _ERROR}}}}}},
        "/api/v1/alerts": {"get": {
            "summary": "Alerts and tasks, newest first",
            "parameters": [{"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": list(ALERT_STATUSES)}}],
            "responses": {"200": {"description": "A list of alerts"}, "400": _BAD,
                          "401": _UNAUTHORISED}}},
        "/api/v1/checkins": {"get": {
            "summary": "Check-ins, as `carecall checkins --json`",
            "parameters": [{"name": "phone", "in": "query", "schema": {"type": "string"}},
                           {"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": list(CHECKIN_STATUSES)}}],
            "responses": {"200": {"description": "A list of check-ins"}, "400": _BAD,
                          "401": _UNAUTHORISED}}},
        "/api/v1/checkins/{checkin_id}": {"get": {
            "summary": "One check-in's answers and alerts",
            "parameters": [{"name": "checkin_id", "in": "path", "required": True,
                            "schema": _ID}],
            "responses": {"200": {"description": "The check-in's result"}, "400": _BAD,
                          "401": _UNAUTHORISED, "404": {"description": "No such check-in"}}}},
    },
}
