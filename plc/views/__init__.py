"""HTTP views of PLG spaces, a module per concern.

Every action view loads the PLG through ``plgs_visible_to`` (invisible: 404) and declares the
rule it needs (``plg_action("plc.invite")``; the rule table is ``plc.permissions``), then calls one
service and redirects. A refusal or a form error re-renders the PLG page with the message and a
4xx status, so bad input changes nothing and says why. Destructive actions have a confirmation
page. The PLG pages themselves are Wagtail pages (``plc.pages`` builds their context).
"""
