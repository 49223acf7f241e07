"""Messages: choosing the language."""

from ._mark import N_, Nn_

MESSAGES: dict[str, str | tuple[str, str]] = {
    "language.unknown": N_(
        "nslab has no translation for the language {lang!r}; it speaks {available}. "
        "Choose one with {call}."
    ),
    "language.env_unknown": N_(
        "NSLAB_LANG={value!r} names no language nslab speaks ({available}), so messages stay "
        "in English. Set NSLAB_LANG=zh_CN, or unset it."
    ),
    "language.not_compiled": N_(
        "The {lang} messages are not compiled ({mo} is missing) and Babel is not installed to "
        "compile them, so messages stay in English. Run `make messages`, or `pip install babel`."
    ),
    # which source chose the language (nslab.i18n.Language's repr)
    "language.chosen.explicit": N_("nslab speaks {lang}, as {call} asked."),
    "language.chosen.env": N_("nslab speaks {lang}, as NSLAB_LANG={value} asks."),
    "language.chosen.folder": N_(
        "nslab speaks {lang}, the language of the notebook's folder {folder}."
    ),
    "language.chosen.jupyterlab": N_(
        "nslab speaks {lang}, the language chosen in JupyterLab's Settings > Language menu."
    ),
    "language.chosen.locale": N_("nslab speaks {lang}, from the locale {variable}={value}."),
    "language.chosen.default": N_("nslab speaks {lang}, its default language."),
    "language.untranslated": Nn_(
        "{n} message has no {lang} translation yet.",
        "{n} messages have no {lang} translation yet.",
    ),
}
