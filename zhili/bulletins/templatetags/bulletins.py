from django import template

register = template.Library()


@register.filter
def item(mapping, key):
    return mapping.get(key)


@register.filter
def attr(obj, name):
    return getattr(obj, name)
