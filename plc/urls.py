from django.urls import path

from plc import discussion_views, views

app_name = "plc"

# PLG pages themselves are Wagtail pages under /plg/; these are their actions.
urlpatterns = [
    path("plg-raum/neu/", views.create_plg_view, name="create"),
    path("plg-raum/<int:pk>/beitreten/", views.join_view, name="join"),
    path("plg-raum/<int:pk>/anfragen/", views.request_view, name="request"),
    path("plg-raum/<int:pk>/anfragen/<int:request_id>/zurueckziehen/", views.withdraw_view, name="withdraw"),
    path("plg-raum/<int:pk>/anfragen/<int:request_id>/entscheiden/", views.decide_view, name="decide"),
    path("plg-raum/<int:pk>/einladen/", views.invite_view, name="invite"),
    path(
        "plg-raum/<int:pk>/einladungen/<int:invitation_id>/zuruecknehmen/",
        views.revoke_invitation_view,
        name="revoke_invitation",
    ),
    path("plg-raum/<int:pk>/verlassen/", views.leave_view, name="leave"),
    path("plg-raum/<int:pk>/mitglieder/<int:user_id>/entfernen/", views.remove_member_view, name="remove_member"),
    path("plg-raum/<int:pk>/mitglieder/<int:user_id>/leitung/", views.promote_view, name="promote"),
    path("plg-raum/<int:pk>/leitung/", views.assign_lead_view, name="assign_lead"),
    path("plg-raum/<int:pk>/leitung-abgeben/", views.step_down_view, name="step_down"),
    path("plg-raum/<int:pk>/hervorheben/", views.feature_view, name="feature"),
    path("plg-raum/<int:pk>/status/", views.status_view, name="status"),
    path("plg-raum/<int:pk>/dateien/", views.upload_view, name="upload"),
    path("plg-raum/<int:pk>/dateien/<int:file_id>/loeschen/", views.delete_file_view, name="delete_file"),
    path("plg-raum/<int:pk>/links/", views.add_link_view, name="add_link"),
    path("plg-raum/<int:pk>/links/<int:link_id>/loeschen/", views.delete_link_view, name="delete_link"),
    path("plg-raum/<int:pk>/termine/", views.add_meeting_view, name="add_meeting"),
    path("plg-raum/<int:pk>/termine/<int:meeting_id>/absagen/", views.cancel_meeting_view, name="cancel_meeting"),
    path("plg-raum/<int:pk>/termine.ics", views.calendar_view, name="calendar"),
    path("plg-raum/<int:pk>/termine/<int:meeting_id>.ics", views.calendar_view, name="meeting_calendar"),
    path("plg-raum/<int:pk>/ergebnisse/", views.publish_result_view, name="publish_result"),
    path("plg-raum/<int:pk>/protokoll/", views.change_log_view, name="change_log"),
    path("plg-raum/<int:pk>/themen/neu/", discussion_views.create_topic_view, name="create_topic"),
    path("plg-raum/<int:pk>/themen/<int:topic_id>/", discussion_views.topic_view, name="topic"),
    path(
        "plg-raum/<int:pk>/themen/<int:topic_id>/einstellungen/", discussion_views.topic_flags_view, name="topic_flags"
    ),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/bearbeiten/",
        discussion_views.edit_message_view,
        name="edit_message",
    ),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/loeschen/",
        discussion_views.delete_message_view,
        name="delete_message",
    ),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/ausblenden/",
        discussion_views.hide_message_view,
        name="hide_message",
    ),
    path("einladungen/<int:invitation_id>/<str:answer>/", views.answer_invitation_view, name="answer_invitation"),
    path("plg-vorschlaege/", views.proposals_view, name="proposals"),
    path("plg-vorschlaege/<int:proposal_id>/entscheiden/", views.decide_proposal_view, name="decide_proposal"),
    path("plg-ergebnisse/", views.results_view, name="results"),
]
