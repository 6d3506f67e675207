from django.contrib import admin

from campfire.tutorials.models import Exercise, ExerciseAttempt, ExerciseState, Tutorial, TutorialCopy, TutorialVersion


@admin.register(Tutorial)
class TutorialAdmin(admin.ModelAdmin):
    list_display = ("order", "slug", "title", "level", "minutes", "current", "published", "updated")
    list_editable = ("published",)
    list_filter = ("level", "published")
    search_fields = ("slug", "title", "summary")
    # The content comes from tutorials/*.ipynb (manage.py sync_tutorials); only `published` is edited here.
    readonly_fields = ("slug", "title", "summary", "level", "minutes", "tags", "prerequisites", "order",
                       "reveal_solution", "current", "created", "updated")


class ExerciseInline(admin.TabularInline):
    model = Exercise
    extra = 0
    fields = ("position", "exercise_id", "cell_id", "title")
    readonly_fields = fields
    can_delete = False


@admin.register(TutorialVersion)
class TutorialVersionAdmin(admin.ModelAdmin):
    list_display = ("tutorial", "number", "filename", "loaded", "digest")
    list_filter = ("tutorial",)
    readonly_fields = ("tutorial", "number", "digest", "filename", "metadata", "code_cells", "loaded")
    exclude = ("cells",)
    inlines = [ExerciseInline]


@admin.register(TutorialCopy)
class TutorialCopyAdmin(admin.ModelAdmin):
    list_display = ("learner", "version", "notebook", "created")
    list_select_related = ("learner", "version__tutorial", "notebook")
    search_fields = ("learner__username", "version__tutorial__slug")
    raw_id_fields = ("learner", "version", "notebook")


@admin.register(ExerciseAttempt)
class ExerciseAttemptAdmin(admin.ModelAdmin):
    list_display = ("created", "learner", "exercise", "status", "graded")
    list_filter = ("status",)
    list_select_related = ("learner", "exercise__version__tutorial")
    search_fields = ("learner__username", "exercise__exercise_id")
    raw_id_fields = ("learner", "exercise", "copy", "run_execution", "check_execution")
    readonly_fields = ("id", "created", "graded")


@admin.register(ExerciseState)
class ExerciseStateAdmin(admin.ModelAdmin):
    list_display = ("learner", "exercise", "hints_revealed", "solved", "solution_revealed")
    list_select_related = ("learner", "exercise__version__tutorial")
    search_fields = ("learner__username", "exercise__exercise_id")
    raw_id_fields = ("learner", "exercise")
