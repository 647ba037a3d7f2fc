class ChineseByDefaultMiddleware:
    """Speak Simplified Chinese unless the user picked another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser on an intranet PC would get a half-English page. The language switch in the top bar
    sets the cookie that LocaleMiddleware honours; without it, the portal answers in zh-hans.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
