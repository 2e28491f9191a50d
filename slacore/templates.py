"""Starting points for targets: common SLA sets, written as SLA-as-code YAML so they read like a user's own file.

Figures are typical published service levels, not laws: load one, then edit it to match the contract.
"""

TEMPLATES: dict[str, dict] = {
    "it-service-desk": {
        "label": "IT service desk (P1–P4)",
        "description": "Internal IT support on office hours: P1 answered in 30 min and fixed in 4 h, down to P4 in "
                       "2 days / 5 days.",
        "yaml": """
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "08:00-18:00"}
    holidays: DE
targets:
  - {name: P1 first response, metric: first_response, where: {priority: urgent}, within: 30m, goal: 95%, calendar: office}
  - {name: P1 resolution, metric: resolution, where: {priority: urgent}, within: 4h, goal: 90%, calendar: office}
  - {name: P2 first response, metric: first_response, where: {priority: high}, within: 1h, goal: 90%, calendar: office}
  - {name: P2 resolution, metric: resolution, where: {priority: high}, within: 8h, goal: 90%, calendar: office}
  - {name: P3 first response, metric: first_response, where: {priority: normal}, within: 4h, goal: 90%, calendar: office}
  - {name: P3 resolution, metric: resolution, where: {priority: normal}, within: 30h, goal: 85%, calendar: office}
  - {name: P4 first response, metric: first_response, where: {priority: low}, within: 20h, goal: 85%, calendar: office}
  - {name: P4 resolution, metric: resolution, where: {priority: low}, within: 50h, goal: 80%, calendar: office}
  - {name: Customer satisfaction, metric: csat, goal: 85%}
  - {name: First contact resolution, metric: fcr, goal: 70%}
  - {name: Service availability, metric: uptime, goal: 99.5%}
""",
    },
    "b2b-saas": {
        "label": "B2B SaaS support",
        "description": "Customer support for a software product on US business hours, tighter for urgent tickets; "
                       "resolution clocks pause while waiting on the customer; CSAT, one-touch resolution and a "
                       "99.9% uptime promise with service credits.",
        "yaml": """
calendars:
  us-business:
    timezone: America/New_York
    hours: {mon-fri: "08:00-18:00"}
    holidays: US
targets:
  - {name: Urgent first response, metric: first_response, where: {priority: urgent}, within: 1h, goal: 95%, calendar: us-business}
  - {name: High first response, metric: first_response, where: {priority: high}, within: 4h, goal: 90%, calendar: us-business}
  - {name: Standard first response, metric: first_response, where: {priority: [normal, low]}, within: 8h, goal: 90%, calendar: us-business}
  - {name: Urgent resolution, metric: resolution, where: {priority: urgent}, within: 8h, goal: 85%, calendar: us-business, pause: [pending]}
  - {name: Standard resolution, metric: resolution, where: {priority: [high, normal, low]}, within: 30h, goal: 80%, calendar: us-business, pause: [pending]}
  - {name: Customer satisfaction, metric: csat, goal: 85%}
  - {name: First contact resolution, metric: fcr, goal: 35%}
  - {name: Service uptime, metric: uptime, goal: 99.9%, credits: [{below: 99.9%, credit: 10%}, {below: 99.5%, credit: 25%}]}
""",
    },
    "critical-ops-24x7": {
        "label": "24x7 critical operations",
        "description": "Round-the-clock operations (NOC, hosting): every minute counts, weekends and holidays too.",
        "yaml": """
targets:
  - {name: Critical response, metric: first_response, where: {priority: urgent}, within: 15m, goal: 99%, calendar: 24x7}
  - {name: Critical restore, metric: resolution, where: {priority: urgent}, within: 4h, goal: 95%, calendar: 24x7}
  - {name: High response, metric: first_response, where: {priority: high}, within: 1h, goal: 95%, calendar: 24x7}
  - {name: High restore, metric: resolution, where: {priority: high}, within: 24h, goal: 90%, calendar: 24x7}
  - {name: Platform uptime, metric: uptime, goal: 99.95%, measure: with_planned, credits: [{below: 99.95%, credit: 10%}, {below: 99.9%, credit: 25%}, {below: 99%, credit: 50%}]}
""",
    },
    "retail-care": {
        "label": "Retail customer care",
        "description": "Consumer care on extended hours (weekdays 08–20, Saturday mornings): everyone answered "
                       "within a working day, chat much faster.",
        "yaml": """
calendars:
  care-hours:
    timezone: Europe/London
    hours: {mon-fri: "08:00-20:00", sat: "09:00-13:00"}
    holidays: GB-ENG
targets:
  - {name: Chat first response, metric: first_response, where: {channel: [chat]}, within: 5m, goal: 80%, calendar: care-hours}
  - {name: Email first response, metric: first_response, where: {channel: [email, web]}, within: 12h, goal: 90%, calendar: care-hours}
  - {name: All first response, metric: first_response, within: 24h, goal: 95%, calendar: care-hours}
  - {name: All resolution, metric: resolution, within: 72h, goal: 85%, calendar: care-hours}
  - {name: Customer satisfaction, metric: csat, goal: 85%}
  - {name: First contact resolution, metric: fcr, goal: 75%}
""",
    },
}


def template_yaml(name: str) -> str:
    return TEMPLATES[name]["yaml"].strip() + "\n"
