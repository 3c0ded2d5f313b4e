from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Benutzername"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Passwort"), max_length=256, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Sechs Ziffern aus Ihrer Authenticator-App – oder einer Ihrer Wiederherstellungscodes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code aus der App"),
        max_length=10,
        help_text=_("Die sechs Ziffern, die Ihre App jetzt anzeigt."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
