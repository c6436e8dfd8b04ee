from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    def ready(self) -> None:
        from accounts import data_export, signals

        from . import export, receivers

        signals.profile_changed.connect(receivers.recompute_member, dispatch_uid="tracking")
        signals.reminders_paused.connect(receivers.pause_dose_reminders, dispatch_uid="tracking")
        signals.reminders_resumed.connect(receivers.resume_dose_reminders, dispatch_uid="tracking")
        data_export.register(*export.TABLES, formats=export.FORMATS)
