"""Every error answer under /api/ is JSON `{"detail": ...}`, also those the API's own handlers do
not produce: an unknown path (Django's 404 page), a method the path does not take (ninja's
plain-text 405, `Allow` header kept) and an unexpected error (Django's 500 page)."""

from django.http import JsonResponse

MESSAGES = {
    404: "not found: no such API endpoint",
    405: "method not allowed",
    500: "internal server error",
}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in MESSAGES
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            message = MESSAGES[response.status_code]
            if response.status_code == 405:
                message = f"method {request.method} not allowed here; allowed: {response.get('Allow', 'none')}"
            answer = JsonResponse({"detail": message}, status=response.status_code)
            if response.has_header("Allow"):
                answer["Allow"] = response["Allow"]
            return answer
        return response
