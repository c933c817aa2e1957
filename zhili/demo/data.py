"""The fixed material of the demo city: place names, departments and name lists.

The names are invented in the style of Leping (乐平市); the street 泊阳街道 and the five
departments are the ones the source document names.
"""

CITY = ("360281", "乐平市")

# (code, name, communities in rows from the north-west). Community codes follow in order.
STREETS = [
    (
        "360281001",
        "泊阳街道",
        [
            ["翠平社区", "东湖社区", "新华社区", "文山社区", "长乐社区"],
            ["洎阳社区", "桃园社区", "人民社区", "光明社区", "凤凰社区"],
        ],
    ),
    (
        "360281002",
        "塔山街道",
        [
            ["塔山社区", "塔前社区", "乐安社区"],
            ["湖滨社区", "青云社区", "新城社区"],
            ["金山社区", "花园社区", "府前社区"],
        ],
    ),
]

# Towns (乡镇) of the city, shown on the map; their villages are not part of the demo.
TOWNS = [
    ("360281101", "乐港镇"),
    ("360281102", "镇桥镇"),
]

GRID_NUMERALS = "一二三四五六七八九十"

# A compound's name is a prefix and a suffix; the first compound of a community takes the
# community's own name as its prefix (翠平花园), the others a prefix from this list.
COMPOUND_PREFIXES = [
    "瓷都",
    "锦绣",
    "阳光",
    "御景",
    "金鹏",
    "碧水",
    "恒泰",
    "华府",
    "滨江",
    "书香",
    "润泽",
    "丽景",
    "紫荆",
    "银河",
    "嘉和",
    "康乐",
    "盛世",
    "名门",
    "天元",
    "翰林",
    "凯旋",
    "尚城",
    "香樟",
    "翡翠",
    "世纪",
    "星河",
    "江南",
    "湖畔",
    "龙湾",
    "锦江",
    "东方",
    "泰和",
    "春晖",
    "怡景",
    "景泰",
    "玉兰",
    "金桂",
    "鸿福",
    "祥和",
    "富康",
]
COMPOUND_SUFFIXES = ["花园", "家园", "小区", "新村", "名苑", "雅居", "公寓", "苑"]

ROAD_SUFFIXES = ["路", "街", "巷", "大道"]

# (code, name, short name, duty phone, remit)
DEPARTMENTS = [
    (
        "zj",
        "市住房和城乡建设局",
        "住建",
        "0798-6822301",
        "房屋安全、物业服务监管、违规搭建的认定与查处。",
    ),
    ("ga", "市公安局", "公安", "0798-6812110", "治安防控、交通秩序、高空抛物等违法行为的查处。"),
    ("mz", "市民政局", "民政", "0798-6825102", "社区建设、社会救助、养老服务与志愿服务管理。"),
    (
        "cg",
        "市城市管理局",
        "城管",
        "0798-6836319",
        "市容环境、乱停乱放、占道经营与违法建设的综合执法。",
    ),
    (
        "sthj",
        "市生态环境局",
        "生态环境",
        "0798-6873202",
        "大气、水体、噪声与固体废物污染的监督执法。",
    ),
]

# Case categories (事件分类): (code, name, default lead department's code, extra questions).
# The extra questions take the shape of Category.attributes (Open311 service definitions).
CATEGORIES = [
    ("zaxyh", "治安隐患", "ga", []),
    ("aqyh", "安全隐患", "zj", []),
    ("yjtf", "应急突发", "ga", []),
    (
        "jtsg",
        "交通事故",
        "ga",
        [
            {
                "code": "injured",
                "label": "有无人员受伤",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "无"}],
            }
        ],
    ),
    ("ltlf", "乱停乱放", "cg", []),
    ("gkpw", "高空抛物", "ga", []),
    ("wgdj", "违规搭建", "cg", []),
    ("hjwr", "环境污染", "sthj", []),
    ("ssss", "设施损坏", "zj", []),
    ("kljf", "邻里纠纷", "mz", []),
    ("qzsq", "群众诉求", "mz", []),
]

# Surnames common in north-east Jiangxi, the first ones most often.
SURNAMES = (
    "王李张刘陈吴徐黄胡程汪余洪朱杨周曾万邹熊罗叶江詹方彭许何郑谢林董宋潘姜齐夏汤舒戴俞鲁姚石付孙高"
)
MALE_GIVEN = (
    "伟强军勇杰涛斌明辉刚平健峰磊超俊建国华文亮志宏新春林鹏飞海波"
    "东卫忠庆祥兵荣德胜永宁泉金水根生福顺发"
)
FEMALE_GIVEN = "芳娟敏静丽艳霞秀英华红梅玲燕萍莉兰凤琴云婷雪慧琳颖丹佳欣怡月桂珍翠莲春花晶瑶倩"

# Mobile prefixes of the three carriers (the 3rd digit makes the number 11 digits long).
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]

# (origin, weight): most residents are local.
ORIGINS = [("乐平市本地", 72), ("景德镇市", 10), ("江西省其他地区", 11), ("外省", 7)]
